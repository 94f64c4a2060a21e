/**
 * What happened to one frame on its way through a camera's pipeline: the sealed
 * {@link io.edgewatch.core.event.FrameEvent} ({@code Captured}, {@code Inferred}, {@code Dropped},
 * {@code Failed}) and why frames are dropped. Only {@code Captured} holds pixels, and whoever
 * consumes or discards it must release its frame. The other events are immutable values.
 */
package io.edgewatch.core.event;
