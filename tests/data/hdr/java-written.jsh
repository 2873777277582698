// Writes java-written.hlog with HdrHistogram (Java) 2.1.11, as Debian packages it:
//   jshell --class-path /usr/share/java/hdrhistogram.jar java-written.jsh
import org.HdrHistogram.*;
import java.io.*;
var out = new PrintStream(new FileOutputStream("java-written.hlog"));
var w = new HistogramLogWriter(out);
w.outputComment("written by HdrHistogram 2.1.11 (Java) HistogramLogWriter");
w.outputLogFormatVersion();
w.outputStartTime(1764835200000L);
w.setBaseTime(1764835200000L);
w.outputBaseTime(1764835200000L);
w.outputLegend();
for (int s = 0; s < 3; s++) {
  var h = new Histogram(3600L * 1000 * 1000 * 1000, 3);
  for (long i = 1; i <= 1000; i++) h.recordValue(i * 1000L * (s + 1));
  h.setStartTimeStamp(1764835200000L + s * 1000L);
  h.setEndTimeStamp(1764835200000L + (s + 1) * 1000L);
  h.setTag("three-digits");
  w.outputIntervalHistogram(h);
  var g = new Histogram(1, (1L << 37) - 1, 2);
  for (long i = 1; i <= 500; i++) g.recordValue(i * 997L);
  g.setStartTimeStamp(1764835200000L + s * 1000L);
  g.setEndTimeStamp(1764835200000L + (s + 1) * 1000L);
  w.outputIntervalHistogram(g);
}
out.close();
/exit
