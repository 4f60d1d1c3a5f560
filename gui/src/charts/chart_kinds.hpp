#pragma once
// The dashboard's chart kinds, one file each: each draws its kind on the canvas ChartPanel
// gives it (a fresh chart, on every rebuild).
namespace dpcast::gui {

class ChartCanvas;

/// Step time, throughput, scaling, memory, and predicted against measured: the results as one
/// line per series against the GPU count (sweep_chart.cpp).
void draw_sweep_chart(ChartCanvas& canvas);
/// Where the step time goes: one stacked bar per GPU count of the chosen series (breakdown_chart.cpp).
void draw_breakdown_chart(ChartCanvas& canvas);
/// One simulated step per rank: compute and communication spans over time (timeline_chart.cpp).
void draw_timeline_chart(ChartCanvas& canvas);
/// The plan's Pareto front: time to train against cost, with its constraints (plan_chart.cpp).
void draw_plan_chart(ChartCanvas& canvas);

}  // namespace dpcast::gui
