#pragma once
// The scenario panel: one editor per scenario key (model, hardware, network, training, data
// parallelism). Every edit goes into the session's document; after each the document is read
// as the CLI reads it and a wrong value is marked under its field with the CLI's message.
#include <QWidget>

#include <map>
#include <string>
#include <vector>

class QFormLayout;
class QLabel;
class QLineEdit;

namespace dpcast::gui {

class Session;

class ScenarioPanel : public QWidget {
  Q_OBJECT

 public:
  explicit ScenarioPanel(Session* session, QWidget* parent = nullptr);

  /// The dotted keys that have a field, in panel order (field_keys()).
  [[nodiscard]] static const std::vector<std::string>& keys();
  /// The editor of a key (a QLineEdit or QComboBox).
  [[nodiscard]] QWidget* editor(const std::string& key) const;
  /// The message shown under a key's field ("" when none).
  [[nodiscard]] QString error_text(const std::string& key) const;
  /// The message above the fields, for an error no field owns ("" when none).
  [[nodiscard]] QString banner_text() const;

 private:
  struct Field {
    std::string key;
    QWidget* editor = nullptr;
    QLabel* error = nullptr;
    QLabel* note = nullptr;
  };
  void build();
  void build_model_group(QFormLayout* form);
  void build_cluster_group(QFormLayout* form);
  void build_network_group(QFormLayout* form);
  void build_training_group(QFormLayout* form);
  void build_data_parallel_group(QFormLayout* form);
  void read_document();
  void show_validation();
  void add_field(QFormLayout* form, const std::string& key, const QString& label, QWidget* editor,
                 const QString& tooltip);

  Session* session_;
  std::map<std::string, Field> fields_;
  QLabel* banner_ = nullptr;
  QLineEdit* model_file_ = nullptr;
  bool reading_ = false;
};

}  // namespace dpcast::gui
