#include "dpcast/gui/scenario_panel.hpp"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>
#include <QVBoxLayout>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/field_cell.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/models/zoo.hpp"

namespace dpcast::gui {
namespace {

using Choices = std::vector<std::pair<QString, QString>>;  // value as written, text shown

QComboBox* choice_combo(const Choices& choices) {
  auto* combo = new QComboBox;
  for (const auto& [value, text] : choices) combo->addItem(text, value);
  return combo;
}

QLineEdit* line_edit(const QString& placeholder) {
  auto* edit = new QLineEdit;
  edit->setPlaceholderText(placeholder);
  edit->setClearButtonEnabled(true);
  return edit;
}

QString join(const std::vector<std::string>& values) {
  QStringList list;
  for (const auto& v : values) list << qs(v);
  return list.join(", ");
}

const models::Catalogue* catalogue() {
  try {
    return &models::Catalogue::builtin();
  } catch (const std::exception&) {
    return nullptr;  // validation reports it
  }
}

}  // namespace

const std::vector<std::string>& ScenarioPanel::keys() {
  return field_keys();
}

ScenarioPanel::ScenarioPanel(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
  build();
  connect(session_, &Session::document_replaced, this, &ScenarioPanel::read_document);
  connect(session_, &Session::validated, this, [this] {
    read_document();  // a sweep key may have come or gone
    show_validation();
  });
  read_document();
  show_validation();
}

void ScenarioPanel::add_field(QFormLayout* form, const std::string& key, const QString& label, QWidget* editor,
                              const QString& tooltip) {
  const FieldCell cell = make_field_cell(key, editor);
  Field field{key, editor, cell.error, cell.note};
  editor->setObjectName(qs(key));
  editor->setToolTip(tooltip + qs("\n(" + key + ")"));
  auto* title = new QLabel(label);
  title->setToolTip(editor->toolTip());
  form->addRow(title, cell.cell);
  fields_[key] = field;

  if (auto* edit = qobject_cast<QLineEdit*>(editor)) {
    connect(edit, &QLineEdit::textEdited, this, [this, key](const QString& text) {
      if (!reading_) session_->set_value(key, text);
    });
  } else if (auto* combo = qobject_cast<QComboBox*>(editor)) {
    if (combo->isEditable()) {
      connect(combo, &QComboBox::currentTextChanged, this, [this, key](const QString& text) {
        if (!reading_ && !text.trimmed().isEmpty()) session_->set_value(key, text);
      });
    } else {
      connect(combo, &QComboBox::activated, this, [this, key, combo](int index) {
        if (!reading_) session_->set_value(key, combo->itemData(index).toString());
      });
    }
  }
}

void ScenarioPanel::build() {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  banner_ = new QLabel;
  banner_->setObjectName("scenario-banner");
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_->setStyleSheet(error_frame_style());
  banner_->hide();
  layout->addWidget(banner_);

  build_model_group(add_form_group(layout, tr("Model")));
  build_cluster_group(add_form_group(layout, tr("Cluster")));
  build_network_group(add_form_group(layout, tr("Network")));
  build_training_group(add_form_group(layout, tr("Training")));
  build_data_parallel_group(add_form_group(layout, tr("Data parallelism")));
  layout->addStretch(1);
}

// Model: a zoo name, or a model file.
void ScenarioPanel::build_model_group(QFormLayout* form) {
  auto* model = new QComboBox;
  model->setEditable(true);
  model->setInsertPolicy(QComboBox::NoInsert);
  for (const auto& entry : models::zoo()) model->addItem(qs(entry.name));
  model->setToolTip(tr("A model of the zoo (dpcast models)"));
  add_field(form, "model", tr("Zoo model"), model, tr("A model of the zoo (dpcast models), or a model file below"));
  auto* file_row = new QWidget;
  auto* file_box = new QHBoxLayout(file_row);
  file_box->setContentsMargins(0, 0, 0, 0);
  model_file_ = line_edit(tr("or a model file (YAML)"));
  model_file_->setObjectName("model.file");
  auto* browse = new QToolButton;
  browse->setText("...");
  browse->setToolTip(tr("Choose a model file"));
  file_box->addWidget(model_file_);
  file_box->addWidget(browse);
  form->addRow(tr("Model file"), file_row);
  connect(model_file_, &QLineEdit::textEdited, this, [this](const QString& text) {
    if (!reading_) session_->set_model_file(text);
  });
  connect(browse, &QToolButton::clicked, this, [this] {
    const QString dir = session_->file().isEmpty() ? QString() : QFileInfo(session_->file()).absolutePath();
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Model file"), dir, tr("YAML (*.yaml *.yml);;All files (*)"));
    if (!path.isEmpty()) session_->set_model_file(path);
  });
}

void ScenarioPanel::build_cluster_group(QFormLayout* form) {
  Choices nodes, gpus{{"", tr("the preset's")}};
  if (const models::Catalogue* cat = catalogue()) {
    for (const auto& [name, node] : cat->nodes()) nodes.emplace_back(qs(name), qs(name));
    for (const auto& [name, gpu] : cat->gpus()) gpus.emplace_back(qs(name), qs(name));
  }
  add_field(form, "cluster.node", tr("Node preset"), choice_combo(nodes),
            tr("The server: its GPUs, intra-node fabric and NICs (dpcast hardware)"));
  add_field(form, "cluster.gpu", tr("GPU"), choice_combo(gpus),
            tr("Replaces the preset's GPU, keeping its fabric and NICs"));
  add_field(form, "cluster.nodes", tr("Nodes"), line_edit(tr("required")), tr("Number of nodes"));
  add_field(form, "cluster.gpus_per_node", tr("GPUs per node"), line_edit(tr("the preset's")),
            tr("GPUs used in each node (at most the preset's)"));
}

void ScenarioPanel::build_network_group(QFormLayout* form) {
  Choices links{{"", tr("the preset's NIC link")}};
  if (const models::Catalogue* cat = catalogue())
    for (const auto& [name, link] : cat->links()) links.emplace_back(qs(name), qs(name));
  add_field(form, "cluster.network.topology", tr("Topology"),
            choice_combo({{"", tr("fat-tree (default)")},
                          {"single-switch", "single-switch"},
                          {"fat-tree", "fat-tree"},
                          {"rail-optimized", "rail-optimized"}}),
            tr("How the nodes are connected"));
  add_field(form, "cluster.network.link", tr("NIC link"), choice_combo(links), tr("The link of each NIC"));
  add_field(form, "cluster.network.oversubscription", tr("Oversubscription"), line_edit("1"),
            tr("Down:up bandwidth at the leaf switches (fat-tree and rail-optimized only); 2 means 2:1"));
  add_field(
      form, "cluster.placement", tr("Placement"),
      choice_combo(
          {{"", tr("contiguous (default)")}, {"contiguous", "contiguous"}, {"spread", "spread"}, {"random", "random"}}),
      tr("Where the job's nodes sit among the fabric's leaves: packed in order, one per leaf, or at random "
         "(fat-tree and rail-optimized only)"));
  add_field(form, "cluster.network.background", tr("Background traffic"), line_edit("fair"),
            tr("The fraction of every leaf uplink other jobs' traffic takes (0 to 0.99); fair: each uplink shared "
               "by the nodes under it"));
}

void ScenarioPanel::build_training_group(QFormLayout* form) {
  add_field(form, "training.micro_batch", tr("Micro-batch"), line_edit("1"), tr("Samples per GPU per micro-step"));
  add_field(form, "training.seq_len", tr("Sequence length"), line_edit(tr("the model's")),
            tr("Tokens per sample (sequence models only)"));
  add_field(form, "training.grad_accumulation", tr("Gradient accumulation"), line_edit("1"),
            tr("Micro-steps per optimizer step"));
  add_field(form, "training.precision", tr("Precision"),
            choice_combo({{"", tr("default (the GPU's best)")},
                          {"fp32", "fp32"},
                          {"tf32", "tf32"},
                          {"bf16", "bf16"},
                          {"fp16", "fp16"}}),
            tr("fp32 | tf32 | bf16 | fp16 (16-bit formats keep fp32 master weights)"));
  add_field(form, "training.optimizer", tr("Optimizer"),
            choice_combo({{"", tr("adam (default)")}, {"sgd", "sgd"}, {"adam", "adam"}}),
            tr("sgd (with momentum) | adam"));
}

void ScenarioPanel::build_data_parallel_group(QFormLayout* form) {
  Choices collectives{{"", tr("auto (default)")}};
  for (const auto& name : models::collective_names()) collectives.emplace_back(qs(name), qs(name));
  add_field(form, "data_parallel.collective", tr("Collective"), choice_combo(collectives),
            tr("How gradients are all-reduced; auto takes the cheapest per bucket"));
  add_field(form, "data_parallel.bucket_mb", tr("Bucket size (MiB)"), line_edit("25"),
            tr("Gradient bucket cap in MiB, as PyTorch DDP's bucket_cap_mb"));
  add_field(form, "data_parallel.zero_stage", tr("ZeRO stage"),
            choice_combo({{"", tr("0 (default)")}, {"0", "0"}, {"1", "1"}, {"2", "2"}, {"3", "3"}}),
            tr("0: plain DDP; 1: optimizer states sharded; 2: also gradients; 3: also parameters"));
}

void ScenarioPanel::read_document() {
  reading_ = true;
  const ScenarioDocument& doc = session_->document();
  for (auto& [key, field] : fields_) {
    const std::optional<std::string> value = doc.value(key);
    if (auto* edit = qobject_cast<QLineEdit*>(field.editor)) {
      const QString text = value ? qs(*value) : QString();
      if (edit->text() != text && !edit->hasFocus()) edit->setText(text);
    } else if (auto* combo = qobject_cast<QComboBox*>(field.editor)) {
      if (combo->isEditable()) {
        const QString text = value ? qs(*value) : QString();
        if (combo->currentText() != text && !combo->hasFocus()) combo->setEditText(text);
      } else {
        const QString v = value ? qs(*value) : QString();
        int index = combo->findData(v);
        if (index < 0) {  // a value the lists do not have: shown, and marked by validation
          combo->addItem(v, v);
          index = combo->count() - 1;
        }
        combo->setCurrentIndex(index);
      }
    }
    // A key the sweep sets is edited in the sweep panel.
    std::optional<std::vector<std::string>> swept = doc.sweep_values(key);
    if (!swept && key == "cluster.nodes") swept = doc.sweep_values("cluster.gpus");
    field.editor->setEnabled(!swept);
    field.note->setText(swept ? tr("swept: %1 (see Sweep)").arg(join(*swept)) : QString());
    field.note->setVisible(swept.has_value());
  }
  // The model: a zoo name, a file, or a map written in the scenario.
  const QString file = doc.value("model.file") ? qs(*doc.value("model.file")) : QString();
  if (model_file_->text() != file && !model_file_->hasFocus()) model_file_->setText(file);
  Field& model = fields_["model"];
  if (!doc.value("model") && doc.has("model") && file.isEmpty()) {
    model.note->setText(tr("a model written in the scenario (kept as written; choose a zoo model to replace it)"));
    model.note->show();
  } else if (!file.isEmpty()) {
    model.note->setText(tr("from the model file below"));
    model.note->show();
  }
  reading_ = false;
}

void ScenarioPanel::show_validation() {
  const Validation& v = session_->validation();
  std::string owner;
  if (v.error) owner = scenario_field_for(*v.error, session_->document().error_file());
  for (auto& [key, field] : fields_) {
    const bool here = v.error && key == owner;
    show_field_error(field.error, here ? &*v.error : nullptr);
  }
  const bool banner = v.error && owner.empty() && !v.error->in_sweep;
  banner_->setText(banner ? qs(v.error->message) : QString());
  banner_->setVisible(banner);
}

QWidget* ScenarioPanel::editor(const std::string& key) const {
  if (key == "model.file") return model_file_;
  const auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : it->second.editor;
}

QString ScenarioPanel::error_text(const std::string& key) const {
  const auto it = fields_.find(key);
  return it == fields_.end() ? QString() : it->second.error->text();
}

QString ScenarioPanel::banner_text() const {
  return banner_->text();
}

}  // namespace dpcast::gui
