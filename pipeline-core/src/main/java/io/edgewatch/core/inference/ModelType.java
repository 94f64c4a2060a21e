package io.edgewatch.core.inference;

/** The task of a model, with the name Roboflow Model Monitoring uses for it on the wire. */
public enum ModelType {
    OBJECT_DETECTION("object-detection"),
    INSTANCE_SEGMENTATION("instance-segmentation"),
    KEYPOINT_DETECTION("keypoint-detection"),
    CLASSIFICATION("classification");

    private final String wireName;

    ModelType(String wireName) {
        this.wireName = wireName;
    }

    /** The value of {@code model_type} in a Model Monitoring report. */
    public String wireName() {
        return wireName;
    }

    /** The type whose wire name is {@code name}. */
    public static ModelType fromWireName(String name) {
        for (ModelType t : values()) {
            if (t.wireName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown model type '" + name + "'");
    }
}
