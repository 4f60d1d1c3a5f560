#pragma once
// The sweep panel: GPU counts (the node counts of the sweep section), optionally times
// micro-batches or NIC links; the engine; run, cancel and progress. Its fields edit the
// document's `sweep:` section, so a saved scenario keeps its sweep and `dpcast predict` runs it.
#include <QWidget>

#include <string>

#include "dpcast/gui/run_controls.hpp"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;

namespace dpcast::gui {

class Session;

class SweepPanel : public QWidget {
  Q_OBJECT

 public:
  explicit SweepPanel(Session* session, QWidget* parent = nullptr);

  /// The dotted key of each series choice: "" (none), training.micro_batch, cluster.network.link.
  [[nodiscard]] static const std::vector<std::string>& series_keys();

  [[nodiscard]] QLineEdit* node_counts() const { return node_counts_; }
  [[nodiscard]] QComboBox* series() const { return series_; }
  [[nodiscard]] QLineEdit* series_values() const { return series_values_; }
  [[nodiscard]] QComboBox* engine() const { return engine_; }
  [[nodiscard]] QPushButton* run_button() const { return controls_->run_button(); }
  [[nodiscard]] QPushButton* cancel_button() const { return controls_->cancel_button(); }
  [[nodiscard]] QProgressBar* progress() const { return controls_->progress(); }
  /// The message shown for an error in the sweep section ("" when none).
  [[nodiscard]] QString error_text() const;
  [[nodiscard]] QString status_text() const;

 private:
  void build_sweep_fields(QFormLayout* form);
  void build_engine_choice(QFormLayout* form);
  void connect_editors();
  void connect_session();
  void read_document();
  void show_validation();
  void choose_series(int index);
  [[nodiscard]] std::string series_key() const;

  Session* session_;
  QLineEdit* node_counts_ = nullptr;
  QComboBox* series_ = nullptr;
  QLineEdit* series_values_ = nullptr;
  QLabel* others_ = nullptr;
  QLabel* error_ = nullptr;
  QComboBox* engine_ = nullptr;
  RunControls* controls_ = nullptr;
  bool reading_ = false;
};

/// "1, 2, 4 8" -> ["1", "2", "4", "8"]: values separated by commas or spaces.
[[nodiscard]] QStringList split_values(const QString& text);

}  // namespace dpcast::gui
