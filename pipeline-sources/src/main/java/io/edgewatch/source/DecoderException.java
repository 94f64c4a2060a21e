package io.edgewatch.source;

/**
 * The decoder a camera must use ({@code source.decoder_required: true}) could not be opened: the
 * camera stops with this message instead of reconnecting, since trying again would not help.
 */
public class DecoderException extends SourceException {

    private static final long serialVersionUID = 1L;

    public DecoderException(String message, Throwable cause) {
        super(message, cause);
    }
}
