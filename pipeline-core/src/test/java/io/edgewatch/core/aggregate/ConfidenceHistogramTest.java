package io.edgewatch.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

class ConfidenceHistogramTest {

    @Test
    void binsCoverZeroToOneWithOneInTheLastBin() {
        assertThat(ConfidenceHistogram.bin(0)).isZero();
        assertThat(ConfidenceHistogram.bin(0.0099)).isZero();
        assertThat(ConfidenceHistogram.bin(0.01)).isEqualTo(1);
        assertThat(ConfidenceHistogram.bin(0.999)).isEqualTo(99);
        assertThat(ConfidenceHistogram.bin(1.0)).isEqualTo(99);
        assertThat(ConfidenceHistogram.bin(-0.5)).isZero();
    }

    @Test
    void quantilesOfRandomConfidencesAreWithinOneBinOfTheExactOnes() {
        Random random = new Random(7);
        double[] values = new double[10_001];
        long[] counts = new long[ConfidenceHistogram.BINS];
        for (int i = 0; i < values.length; i++) {
            // skewed towards high confidence, as detectors' outputs are
            values[i] = Math.sqrt(random.nextDouble());
            counts[ConfidenceHistogram.bin(values[i])]++;
        }
        Arrays.sort(values);
        ConfidenceHistogram h = ConfidenceHistogram.of(counts);
        assertThat(h.total()).isEqualTo(values.length);
        assertThat(h.median()).isCloseTo(values[values.length / 2], within(0.01));
        assertThat(h.quantile(0.1)).isCloseTo(values[values.length / 10], within(0.01));
        assertThat(h.quantile(0.9)).isCloseTo(values[values.length * 9 / 10], within(0.01));
        assertThat(h.quantile(0.5, values[0], values[values.length - 1])).isEqualTo(h.median());
    }

    @Test
    void quantilesAreClampedToTheExactExtremes() {
        ConfidenceHistogram h = ConfidenceHistogram.single(0.93, 5);
        assertThat(h.median()).isCloseTo(0.935, within(1e-9));
        assertThat(h.quantile(0.5, 0.93, 0.93)).isEqualTo(0.93);
        assertThat(ConfidenceHistogram.EMPTY.median()).isNaN();
    }

    @Test
    void histogramsAddUpAndSurviveTheirSparseForm() {
        ConfidenceHistogram a = ConfidenceHistogram.single(0.25, 3);
        ConfidenceHistogram b = ConfidenceHistogram.single(0.75, 1).plus(ConfidenceHistogram.single(0.25, 1));
        ConfidenceHistogram sum = a.plus(b);
        assertThat(sum.total()).isEqualTo(5);
        assertThat(sum.count(25)).isEqualTo(4);
        assertThat(sum.buckets(4)).containsExactly(0, 4, 0, 1);
        assertThat(ConfidenceHistogram.fromSparse(sum.sparse())).isEqualTo(sum);
        // inputs are unchanged
        assertThat(a.total()).isEqualTo(3);
    }

    @Test
    void rejectsWrongShapes() {
        assertThatThrownBy(() -> ConfidenceHistogram.of(new long[10])).hasMessageContaining("100 bins");
        assertThatThrownBy(() -> ConfidenceHistogram.fromSparse(Map.of(100, 1L))).hasMessageContaining("outside");
        assertThatThrownBy(() -> ConfidenceHistogram.EMPTY.buckets(3)).hasMessageContaining("do not divide");
    }
}
