/**
 * Decoded frames and their native pixel memory. A {@link io.edgewatch.core.frame.VideoFrame} is
 * reference-counted and starts with one reference, held by its creator. A reader on another thread
 * takes its own reference with {@code tryRetain()} and gives it back with {@code release()}. The last
 * release frees the pixels, or hands them back to the source's
 * {@link io.edgewatch.core.frame.FramePool}. Extra releases do nothing. Reading pixels after the
 * last release throws {@code IllegalStateException}. Both classes are thread-safe.
 */
package io.edgewatch.core.frame;
