package io.edgewatch.sink.mqtt;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.edgewatch.core.Version;

/**
 * Home Assistant MQTT discovery for a box's cameras: per camera a sensor of its source state, one
 * of its frames per second, and one per class seen of that class's count in the last window, each
 * reading the camera's retained {@code state} topic and the box's availability topic. Configs go to
 * {@code {discovery}/sensor/{node}/{object}/config} (node: {@code edgewatch_{device}}, object:
 * {@code {camera}_state}, {@code {camera}_fps}, {@code {camera}_count_{class}}; other characters
 * than letters, digits, '_' and '-' become '_'), published retained; an empty retained payload on
 * the same topic removes one. The device of each camera is its own, so Home Assistant groups its
 * sensors.
 */
final class HomeAssistant {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String discovery;
    private final MqttTopics topics;

    HomeAssistant(String discoveryPrefix, MqttTopics topics) {
        this.discovery = discoveryPrefix;
        this.topics = topics;
    }

    static String id(String s) {
        return s.replaceAll("[^A-Za-z0-9_-]", "_");
    }

    private String node() {
        return "edgewatch_" + id(topics.device());
    }

    private String topic(String object) {
        return discovery + "/sensor/" + node() + "/" + object + "/config";
    }

    /** Every config topic of {@code camera}, with its payload: the state and fps sensors, and one per class of {@code classes}. */
    Map<String, byte[]> configs(String camera, List<String> classes) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(topic(id(camera) + "_state"), sensor(camera, "state", "source state", "{{ value_json.source_state }}", null));
        out.put(topic(id(camera) + "_fps"), sensor(camera, "fps", "frames per second", "{{ value_json.fps }}", "fps"));
        for (String c : classes) {
            out.putAll(classConfig(camera, c));
        }
        return out;
    }

    /** The count sensor of {@code className} on {@code camera}. */
    Map<String, byte[]> classConfig(String camera, String className) {
        String key;
        try {
            // a JSON string is a Jinja string literal: a class named with quotes stays one
            key = JSON.writeValueAsString(className);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(topic(id(camera) + "_count_" + id(className)), sensor(camera, "count_" + id(className), className + " count",
                "{{ value_json.counts.get(" + key + ", 0) }}", null));
    }

    private byte[] sensor(String camera, String what, String name, String template, String unit) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", name);
        n.put("unique_id", node() + "_" + id(camera) + "_" + what);
        n.put("object_id", node() + "_" + id(camera) + "_" + what);
        n.put("state_topic", topics.state(camera));
        n.put("value_template", template);
        if (unit != null) {
            n.put("unit_of_measurement", unit);
            n.put("state_class", "measurement");
        } else if (what.startsWith("count_")) {
            n.put("state_class", "measurement");
        }
        n.put("availability_topic", topics.availability());
        // 'stopped' (a clean stop) is as unavailable as 'offline' (the last will)
        n.put("availability_template", "{{ 'online' if value == 'online' else 'offline' }}");
        ObjectNode device = n.putObject("device");
        device.putArray("identifiers").add(node() + "_" + id(camera));
        device.put("name", "edgewatch " + topics.device() + " " + camera);
        device.put("manufacturer", "edgewatch");
        device.put("model", "camera");
        device.put("sw_version", Version.NUMBER);
        n.putObject("origin").put("name", "edgewatch").put("sw", Version.NUMBER);
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
