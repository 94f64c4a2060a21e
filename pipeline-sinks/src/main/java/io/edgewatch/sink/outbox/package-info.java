/**
 * Durable, at-least-once delivery. Once {@link io.edgewatch.sink.outbox.Outbox#append} returns, an
 * entry survives a crash; the queue is SQLite, bounded, and evicts its oldest entries first. Its
 * methods are blocking and synchronised, so call them off event loops. An
 * {@link io.edgewatch.sink.outbox.OutboxSender} drains one destination, oldest entry first, on a
 * thread of its own. The {@link io.edgewatch.sink.outbox.DeliveryException} a transport throws
 * decides what happens to an entry: retried with backoff, its destination stopped and probed, or
 * moved to the dead letters. Entries made while the wall clock is known wrong are held until a clock
 * step re-stamps them: each destination's sink registers the
 * {@link io.edgewatch.sink.outbox.Restamper} of its bodies ({@link io.edgewatch.sink.outbox.JsonRestamper}
 * for JSON).
 */
package io.edgewatch.sink.outbox;
