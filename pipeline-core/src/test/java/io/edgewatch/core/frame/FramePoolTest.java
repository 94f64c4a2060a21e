package io.edgewatch.core.frame;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class FramePoolTest {

    @Test
    void theLastReleaseOfAFrameGivesItsBufferBackForReuse() {
        try (FramePool pool = new FramePool(2)) {
            Mat first = pool.take(48, 64, opencv_core.CV_8UC3);
            VideoFrame frame = new VideoFrame("c", 0, 0, Instant.EPOCH, 0, first, pool);
            assertThat(pool.outstanding()).isEqualTo(1);
            assertThat(frame.tryRetain()).isTrue();
            frame.release();
            assertThat(pool.idle()).isZero();
            assertThat(pool.outstanding()).isEqualTo(1);
            frame.release();
            assertThat(pool.idle()).isEqualTo(1);
            assertThat(pool.outstanding()).isZero();
            assertThat(first.isNull()).isFalse();
            assertThat(pool.take(48, 64, opencv_core.CV_8UC3)).isSameAs(first);
            // a buffer of another shape is freed rather than handed out
            pool.recycle(first);
            Mat other = pool.take(10, 10, opencv_core.CV_8UC3);
            assertThat(other).isNotSameAs(first);
            assertThat(first.isNull()).isTrue();
            other.close();
        }
    }

    @Test
    void aFullOrClosedPoolFreesWhatComesBack() {
        FramePool pool = new FramePool(1);
        Mat a = pool.take(8, 8, opencv_core.CV_8UC1);
        Mat b = pool.take(8, 8, opencv_core.CV_8UC1);
        pool.recycle(a);
        pool.recycle(b);
        assertThat(pool.idle()).isEqualTo(1);
        assertThat(b.isNull()).isTrue();
        pool.close();
        assertThat(a.isNull()).isTrue();
        Mat c = new Mat(8, 8, opencv_core.CV_8UC1);
        pool.recycle(c);
        assertThat(c.isNull()).isTrue();
        assertThat(pool.idle()).isZero();
    }
}
