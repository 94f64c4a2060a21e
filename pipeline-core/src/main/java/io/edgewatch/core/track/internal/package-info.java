/**
 * Not API: the tracker's implementation ({@code ByteTracker}, its {@code Track}s, the
 * {@code BoxKalman} filter and the {@code LinearAssignment} solver). Public only for
 * {@code io.edgewatch.core.track} and this module's tests. Not thread-safe.
 */
package io.edgewatch.core.track.internal;
