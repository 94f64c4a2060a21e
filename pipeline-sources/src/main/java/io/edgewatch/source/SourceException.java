package io.edgewatch.source;

/** A source that could not be opened or read; the message names the camera and the source. */
public class SourceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
