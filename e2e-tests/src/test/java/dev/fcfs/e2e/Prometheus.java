package dev.fcfs.e2e;

/** Reads numbers out of a Prometheus text exposition ({@code /actuator/prometheus}). */
final class Prometheus {

    private Prometheus() {
    }

    /**
     * Sums the samples of a metric whose labels contain {@code labelFilter} (e.g. {@code backend="postgres"}; empty
     * for all); 0 if there is none.
     */
    static double sum(String exposition, String metric, String labelFilter) {
        double sum = 0;
        for (String line : exposition.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(metric)) {
                continue;
            }
            String rest = line.substring(metric.length());
            if (!(rest.startsWith("{") || rest.startsWith(" "))) {
                continue;
            }
            int end = rest.lastIndexOf(' ');
            String labels = rest.substring(0, end);
            if (labels.contains(labelFilter)) {
                sum += Double.parseDouble(rest.substring(end + 1).trim());
            }
        }
        return sum;
    }

}
