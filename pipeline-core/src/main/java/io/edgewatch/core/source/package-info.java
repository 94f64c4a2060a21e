/**
 * The contract for frame sources. {@link io.edgewatch.core.source.FrameSource#frames()} is cold:
 * each subscription opens the source and grabs on a thread of its own. It honours demand and emits
 * frames that the subscriber owns and must release. Errors name the source, never credentials.
 * Cancelling closes the source on its own thread. {@link io.edgewatch.core.source.SourceStatus} is
 * an immutable snapshot of a source's health. Implementations live in pipeline-sources.
 */
package io.edgewatch.core.source;
