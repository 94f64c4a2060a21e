/**
 * The JSON shape of a window report: {@link io.edgewatch.sink.json.ReportJson} builds maps with
 * snake_case keys in a fixed order. The JSONL sink, the Roboflow bodies and the health endpoint's
 * {@code /api/cameras} all use it. Keys and their order are part of the contract. These are
 * stateless static functions, safe on any thread.
 */
package io.edgewatch.sink.json;
