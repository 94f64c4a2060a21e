package io.edgewatch.sink.webhook;

import io.edgewatch.core.secret.Secret;

import java.time.Duration;

/**
 * Where a {@link Webhook} POSTs; the token is never printed.
 *
 * @param url an http(s) URL
 * @param token sent as {@code Authorization: Bearer} unless empty
 * @param timeout how long one request may take
 */
public record WebhookOptions(String url, Secret token, Duration timeout) {

    public WebhookOptions {
        token = token == null ? Secret.none() : token;
    }

    /** {@code alerts.webhook.timeout} when not set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    @Override
    public String toString() {
        return "WebhookOptions[url=" + url + ", token=" + token + ", timeout=" + timeout + "]";
    }
}
