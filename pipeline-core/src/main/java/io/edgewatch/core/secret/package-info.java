/**
 * Keeping API keys secret: {@link io.edgewatch.core.secret.ApiKeys} masks keys, redacts them from
 * text, and hashes them into cache keys, so that no key shows in clear in a log, a message or a
 * cache. Stateless static functions, safe on any thread.
 */
package io.edgewatch.core.secret;
