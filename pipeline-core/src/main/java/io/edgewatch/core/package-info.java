/**
 * edgewatch's ground floor. This package holds only {@link io.edgewatch.core.Version}, the one build
 * constant every module names the daemon by; the contracts and the pipeline are in its
 * sub-packages: frames ({@code frame}), events ({@code event}), inference, source and sink
 * contracts, the window aggregator ({@code aggregate}) and the per-camera pipeline ({@code pipeline}).
 */
package io.edgewatch.core;
