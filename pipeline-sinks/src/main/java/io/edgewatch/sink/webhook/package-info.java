/**
 * JSON messages (the daemon's alerts) to an HTTP webhook, through the outbox.
 * {@link io.edgewatch.sink.webhook.Webhook#post} commits a message to disk and returns; the outbox
 * sender then delivers messages in order, retrying, stopping or dead-lettering them by HTTP status.
 * {@link io.edgewatch.sink.webhook.WebhookOptions} configures it; its bearer token is never printed.
 */
package io.edgewatch.sink.webhook;
