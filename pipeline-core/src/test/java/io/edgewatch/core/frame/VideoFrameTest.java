package io.edgewatch.core.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.edgewatch.core.testing.Frames;

class VideoFrameTest {

    @Test
    void lastReleaseFreesThePixelsAndExtraReleasesAreHarmless() {
        VideoFrame f = Frames.black(7);
        assertThat(f.width()).isEqualTo(64);
        assertThat(f.tryRetain()).isTrue();
        f.release();
        assertThat(f.isReleased()).isFalse();
        assertThat(f.pixels().isNull()).isFalse();
        f.release();
        assertThat(f.isReleased()).isTrue();
        f.release();
        assertThat(f.tryRetain()).isFalse();
        assertThatThrownBy(f::pixels).isInstanceOf(IllegalStateException.class).hasMessageContaining("cam-1");
    }
}
