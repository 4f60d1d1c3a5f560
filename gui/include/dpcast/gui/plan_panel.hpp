#pragma once
// The plan panel: the document's `plan:` section field by field (target, deadline, budget,
// max global batch, and what to search), the DES confirmation, run, cancel and progress.
// Every edit goes into the session's document, which is then read as `dpcast plan` reads it;
// a wrong value is marked under its field with the CLI's message.
#include <QWidget>

#include <map>
#include <string>

#include "dpcast/gui/run_controls.hpp"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTimer;
class QVBoxLayout;

namespace dpcast::gui {

class Session;

class PlanPanel : public QWidget {
  Q_OBJECT

 public:
  explicit PlanPanel(Session* session, QWidget* parent = nullptr);

  /// The editor of a plan key (plan_field_keys()): a QLineEdit; "plan.nodes" gives the range's
  /// minimum (nodes_max() its maximum), "plan.target" the number (target_kind() tokens or samples).
  [[nodiscard]] QLineEdit* editor(const std::string& key) const;
  [[nodiscard]] QLineEdit* nodes_max() const { return nodes_max_; }
  [[nodiscard]] QComboBox* target_kind() const { return target_kind_; }
  [[nodiscard]] QSpinBox* confirm_up_to() const { return confirm_; }
  [[nodiscard]] QPushButton* run_button() const { return controls_->run_button(); }
  [[nodiscard]] QPushButton* cancel_button() const { return controls_->cancel_button(); }
  [[nodiscard]] QPushButton* remove_sweep_button() const { return remove_sweep_; }
  [[nodiscard]] QProgressBar* progress() const { return controls_->progress(); }
  /// The message shown under a key's field ("" when none).
  [[nodiscard]] QString error_text(const std::string& key) const;
  /// The message above the fields: an error no field owns, or why there is no plan.
  [[nodiscard]] QString banner_text() const;
  [[nodiscard]] QString status_text() const;

 private:
  struct Field {
    QLineEdit* editor = nullptr;
    QLabel* error = nullptr;
    QLabel* note = nullptr;
  };
  struct ListField;
  void build_banner(QVBoxLayout* layout);
  void build_target_group(QFormLayout* form);
  void build_search_group(QFormLayout* form);
  void build_nodes_row(QFormLayout* form);
  void build_run_group(QFormLayout* form);
  /// A field of one value (plan.deadline_hours) or of a list of values (plan.gpus).
  void add_scalar(QFormLayout* form, const std::string& key, const QString& label, const QString& tooltip);
  void add_list(QFormLayout* form, const ListField& field, const QString& extra);
  void connect_session();
  void show_finished(bool canceled);
  void read_document();
  void show_validation();
  void update_status();
  QWidget* field_cell(const std::string& key, QWidget* editors, QLineEdit* editor);

  Session* session_;
  std::map<std::string, Field> fields_;
  QLabel* banner_ = nullptr;
  QPushButton* remove_sweep_ = nullptr;
  QComboBox* target_kind_ = nullptr;
  QLineEdit* nodes_max_ = nullptr;
  QLabel* others_ = nullptr;
  QSpinBox* confirm_ = nullptr;
  RunControls* controls_ = nullptr;
  QTimer* clock_ = nullptr;  // redraws the status line while the plan runs
  QString finished_text_;    // what the last run came to
  bool reading_ = false;
};

}  // namespace dpcast::gui
