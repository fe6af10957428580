# Plots of docs/benchmarks.md; run by tests/bench/run.sh as
#   gnuplot -e "res='RESULTS_DIR'; out='DOCS_DIR'" tests/bench/plot.gp
# Inputs: res/plot-work.dat (label off strict relaxed shared-strict
# shared-relaxed) and res/plot-micro.dat (label off strict relaxed): ratios
# to the plain run.  Outputs: out/bench-workloads.svg and
# out/bench-micro.svg.

set terminal svg size 1000,560 dynamic enhanced font "sans,12" background "white"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top left
set ylabel "time relative to without namecache (1.0 = same)"
set yrange [0:*]
set xtics rotate by -35 left noenhanced
set datafile missing "NaN"
set rmargin 10
set bmargin 9

set output out."/bench-workloads.svg"
set title "Real workloads: median wall time, namecache mode / plain (shared: attached to a warm daemon)"
plot res."/plot-work.dat" using 2:xtic(1) title "off" lc rgb "#9e9e9e", \
     "" using 3 title "strict" lc rgb "#1f77b4", \
     "" using 4 title "relaxed" lc rgb "#ff7f0e", \
     "" using 5 title "shared strict" lc rgb "#2ca02c", \
     "" using 6 title "shared relaxed" lc rgb "#d62728", \
     1 with lines dt 2 lc rgb "black" notitle

set terminal svg size 1400,600 dynamic enhanced font "sans,11" background "white"
set output out."/bench-micro.svg"
set title "Micro benchmark, one thread: ns per call, namecache mode / plain call"
plot res."/plot-micro.dat" using 2:xtic(1) title "off" lc rgb "#9e9e9e", \
     "" using 3 title "strict" lc rgb "#1f77b4", \
     "" using 4 title "relaxed" lc rgb "#ff7f0e", \
     1 with lines dt 2 lc rgb "black" notitle
