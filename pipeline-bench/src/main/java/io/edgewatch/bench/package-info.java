/**
 * Benchmarks and the soak run behind {@code ./bench}: each prints a ratio against a baseline
 * measured in the same run (the median of alternating runs), never an absolute target. Never
 * shipped in {@code edgewatch.jar}; runs from this module's jar and the class path Maven writes
 * beside it.
 */
package io.edgewatch.bench;
