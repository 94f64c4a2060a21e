package io.edgewatch.sink.roboflow;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.edgewatch.core.secret.ApiKeys;
import io.edgewatch.sink.outbox.DeliveryException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** How every Roboflow client of ours words a failed request: the URL named with the key masked, the status sorted for the outbox. */
final class Failures {

    private Failures() {
    }

    /** A non-2xx answer: retryable for 5xx, 408 and 429; a redirect is never followed. */
    static RoboflowException http(String url, int status, HttpHeaders headers, String key) {
        boolean retryable = status >= 500 || status == 429 || status == 408;
        String what = status >= 300 && status < 400
                ? "Roboflow API answered " + ApiKeys.redact(DeliveryException.redirect(status, headers.get(HttpHeaderNames.LOCATION)),
                        key) + ", which is never followed (it would carry the API key elsewhere): check"
                        + " roboflow.api_url and any proxy in front of it"
                : RoboflowException.describe(status);
        return new RoboflowException(what + " (" + ApiKeys.redact(url, key) + ")",
                status, retryable, DeliveryException.retryAfterMillis(headers.get("Retry-After")));
    }

    /** No answer (refused, reset, timed out): retryable. */
    static RoboflowException transport(String url, Throwable e, Duration timeout, String key) {
        String what = e instanceof TimeoutException || e.getClass().getSimpleName().contains("Timeout")
                ? "no answer within " + timeout.toMillis() + " ms"
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new RoboflowException("request to " + ApiKeys.redact(url, key) + " failed: " + ApiKeys.redact(what, key), 0, true, 0);
    }

    /** A 2xx whose body says the request was refused: never accepted as it is. */
    static RoboflowException refused(String url, String why, String key) {
        return new RoboflowException("Roboflow API refused the request (" + ApiKeys.redact(url, key) + "): "
                + ApiKeys.redact(why, key), 400, false, 0);
    }
}
