#pragma once
// One simulated step per rank, as spans on a compute track and a communication track. The
// spans come from sim::chrome_trace (the layout `dpcast predict --trace` writes), so the
// dashboard's timeline and the Chrome trace are the same picture.
#include <QAbstractTableModel>

#include <string>
#include <vector>

#include "dpcast/models/run_record.hpp"
#include "dpcast/models/scenario.hpp"

namespace dpcast::gui {

struct TimelineSpan {
  int rank = 0;
  int track = 1;         // 1: compute, 2: communication (the trace's thread ids)
  std::string category;  // forward | backward | optimizer | communication
  std::string name;      // layer name, "bucket 3 ring", "optimizer"
  double start_s = 0;
  double duration_s = 0;
  std::string detail;  // the layer kind and FLOP, or the bucket's bytes and algorithm
  int sequence = 0;    // place among the spans of its category on its track (alternate shades)
};

/// A link the ranks shown use, and its utilisation over the step: (time, percent) from the
/// trace's counter events, each value holding until the next.
struct LinkTrack {
  std::string name;  // "node 0 NICs", "leaf 1 uplink", "GPU 0 link"
  std::vector<std::pair<double, double>> points;
};

struct Timeline {
  std::vector<TimelineSpan> spans;
  std::vector<LinkTrack> links;
  std::vector<std::string> rank_names;  // "rank 0 (node 0, GPU 0)"
  int gpus = 0;                         // ranks in the configuration (the trace shows the first few)
  double step_time_s = 0;
  std::string engine;
  std::string label;    // which configuration (set by whoever asked for it)
  std::string message;  // why there are no spans, when there are none
  [[nodiscard]] double end_s() const;
};

/// The timeline of a Chrome trace from sim::chrome_trace.
[[nodiscard]] Timeline timeline_from_trace(const models::Json& trace);
/// The timeline of a detailed record for its first `ranks` ranks. Throws dpcast::Error as
/// sim::chrome_trace does (no per-layer timings; a configuration that does not fit).
[[nodiscard]] Timeline timeline_of(const models::RunRecord& record, const models::Scenario& configuration, int ranks);

class TimelineModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { Rank, Track, Category, Name, Start, Duration, Detail, ColumnCount };

  explicit TimelineModel(QObject* parent = nullptr);

  void set_timeline(Timeline timeline);
  [[nodiscard]] const Timeline& timeline() const { return timeline_; }

  [[nodiscard]] int rowCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] int columnCount(const QModelIndex& parent = {}) const override;
  [[nodiscard]] QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                    int role = Qt::DisplayRole) const override;

 private:
  Timeline timeline_;
};

}  // namespace dpcast::gui
