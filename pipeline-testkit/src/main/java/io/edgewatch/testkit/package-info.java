/**
 * Test support, never shipped (test scope in every module but the benchmarks, and depending on no
 * edgewatch module): real things to test against. Synthetic clips written with FFmpeg and ONNX
 * models built byte by byte, in-process HTTP stand-ins for Roboflow and the Inference Server on
 * 127.0.0.1, GStreamer's RTSP server as a child process, the daemon as a child process, and the
 * shared footage in {@code ../shared/fixtures} ({@code -Dedgewatch.fixtures=DIR}).
 */
package io.edgewatch.testkit;
