#include "dpcast/gui/plan_panel.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/field_cell.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/run_controls.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/sweep_panel.hpp"
#include "dpcast/sim/units.hpp"

namespace dpcast::gui {
namespace {

template <typename T, typename F>
QString join(const std::vector<T>& values, F text) {
  QStringList list;
  for (const auto& v : values) list << text(v);
  return list.join(", ");
}

QString join_names(const std::vector<std::string>& values) {
  return join(values, [](const std::string& v) { return qs(v); });
}

template <typename T>
QString join_numbers(const std::vector<T>& values) {
  return join(values, [](T v) { return QString::number(v); });
}

const models::Catalogue* catalogue() {
  try {
    return &models::Catalogue::builtin();
  } catch (const std::exception&) {
    return nullptr;  // validation reports it
  }
}

template <typename Map>
QString names_of(const Map& map) {
  QStringList names;
  for (const auto& [name, _] : map) names << qs(name);
  return names.join(", ");
}

QLineEdit* line_edit(const QString& tooltip) {
  auto* edit = new QLineEdit;
  edit->setClearButtonEnabled(true);
  edit->setToolTip(tooltip);
  return edit;
}

}  // namespace

// A key with a list editor, and what the panel calls it.
struct PlanPanel::ListField {
  const char* key;
  const char* label;
  const char* tooltip;
};

PlanPanel::PlanPanel(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  build_banner(layout);
  build_target_group(add_form_group(layout, tr("Target and constraints")));
  build_search_group(add_form_group(layout, tr("Search")));
  build_run_group(add_form_group(layout, tr("Run")));
  layout->addStretch(1);
  connect_session();
  read_document();
  show_validation();
}

void PlanPanel::build_banner(QVBoxLayout* layout) {
  banner_ = new QLabel;
  banner_->setObjectName("plan-banner");
  banner_->setWordWrap(true);
  banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  banner_->hide();
  layout->addWidget(banner_);
  remove_sweep_ = new QPushButton(tr("Remove the sweep"));
  remove_sweep_->setObjectName("plan-remove-sweep");
  remove_sweep_->setToolTip(tr("dpcast plan searches its own space: take the sweep section out of the scenario"));
  remove_sweep_->hide();
  layout->addWidget(remove_sweep_);
  connect(remove_sweep_, &QPushButton::clicked, session_, &Session::remove_sweep);
}

// What to train on, by when, for how much.
void PlanPanel::build_target_group(QFormLayout* form) {
  auto* row = new QWidget;
  auto* box = new QHBoxLayout(row);
  box->setContentsMargins(0, 0, 0, 0);
  target_kind_ = new QComboBox;
  target_kind_->setObjectName("plan.target.kind");
  target_kind_->addItem(tr("tokens"), "tokens");
  target_kind_->addItem(tr("samples"), "samples");
  target_kind_->setToolTip(tr("Train on this many tokens (sequence models) or samples"));
  QLineEdit* number =
      line_edit(tr("What to train on, e.g. 3.0e+11; steps = ceil(samples / global batch)\n(plan.target)"));
  box->addWidget(number, 1);
  box->addWidget(target_kind_);
  form->addRow(tr("Target"), field_cell("plan.target", row, number));
  auto set_target = [this, number] {
    if (!reading_) session_->set_plan_target(target_kind_->currentData().toString() == "tokens", number->text());
  };
  connect(number, &QLineEdit::textEdited, this, set_target);
  connect(target_kind_, &QComboBox::activated, this, set_target);

  add_scalar(form, "plan.deadline_hours", tr("Deadline (hours)"), tr("Time to train at most this many hours"));
  add_scalar(form, "plan.budget_usd", tr("Budget (USD)"), tr("Cost at most this: hours x GPUs x price per GPU-hour"));
  add_scalar(form, "plan.max_global_batch", tr("Max global batch"),
             tr("GPUs x micro-batch x accumulation at most this many samples per optimizer step"));
}

// What to search.
void PlanPanel::build_search_group(QFormLayout* form) {
  const models::Catalogue* cat = catalogue();
  add_list(form, {"plan.gpus", "GPU types", "GPU types allowed"},
           cat ? tr("\nCatalogue: %1").arg(names_of(cat->gpus())) : "");
  add_list(form, {"plan.node_presets", "Node presets", "Servers allowed (default: the presets of the allowed GPUs)"},
           cat ? tr("\nCatalogue: %1").arg(names_of(cat->nodes())) : "");
  build_nodes_row(form);
  add_list(form, {"plan.links", "NIC links", "NIC links (default: each preset's)"},
           cat ? tr("\nCatalogue: %1").arg(names_of(cat->links())) : "");
  add_list(form, {"plan.topologies", "Topologies", "single-switch, fat-tree, rail-optimized (default: the scenario's)"},
           "");
  add_list(form, {"plan.micro_batch", "Micro-batches", "Samples per GPU per micro-step (default: the scenario's)"}, "");
  add_list(form, {"plan.grad_accumulation", "Accumulation", "Micro-steps per optimizer step (default: the scenario's)"},
           "");
  add_list(form, {"plan.zero_stage", "ZeRO stages", "0 to 3 (default: the scenario's)"}, "");
  others_ = new QLabel;
  others_->setWordWrap(true);
  others_->setStyleSheet("color: palette(mid);");
  others_->hide();
  form->addRow(others_);
}

// The node range: its minimum is the field's editor, its maximum beside it.
void PlanPanel::build_nodes_row(QFormLayout* form) {
  auto* row = new QWidget;
  auto* box = new QHBoxLayout(row);
  box->setContentsMargins(0, 0, 0, 0);
  QLineEdit* low = line_edit(tr("Fewest nodes (plan.nodes.min); the powers of two from min to max, and max"));
  nodes_max_ = line_edit(tr("Most nodes (plan.nodes.max)"));
  nodes_max_->setObjectName("plan.nodes.max");
  box->addWidget(low, 1);
  box->addWidget(new QLabel(tr("to")));
  box->addWidget(nodes_max_, 1);
  form->addRow(tr("Nodes"), field_cell("plan.nodes", row, low));
  low->setObjectName("plan.nodes.min");
  connect(low, &QLineEdit::textEdited, this, [this](const QString& text) {
    if (!reading_) session_->set_value("plan.nodes.min", text);
  });
  connect(nodes_max_, &QLineEdit::textEdited, this, [this](const QString& text) {
    if (!reading_) session_->set_value("plan.nodes.max", text);
  });
}

void PlanPanel::build_run_group(QFormLayout* form) {
  confirm_ = new QSpinBox;
  confirm_->setObjectName("plan-confirm-up-to");
  confirm_->setRange(0, 1 << 20);
  confirm_->setValue(session_->plan_confirm_up_to());
  confirm_->setSuffix(tr(" GPUs"));
  confirm_->setToolTip(des_available()
                           ? tr("Front points of at most this many GPUs are played again on the discrete-event "
                                "engine, whose step time then counts (dpcast plan --confirm-up-to; 0: none)")
                           : tr("This build has no DES (it needs SimGrid)"));
  confirm_->setEnabled(des_available());
  connect(confirm_, &QSpinBox::valueChanged, session_, &Session::set_plan_confirm_up_to);
  form->addRow(tr("Confirm on DES up to"), confirm_);
  controls_ = new RunControls({tr("Run plan"), "plan-run", "plan-cancel", "plan-status"});
  controls_->run_button()->setToolTip(
      tr("Search the plan's space (sim::make_plan, as dpcast plan) on the worker thread"));
  controls_->progress()->setTextVisible(false);
  controls_->status()->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(controls_);
  clock_ = new QTimer(this);
  clock_->setInterval(100);
  connect(clock_, &QTimer::timeout, this, &PlanPanel::update_status);
  connect(controls_->run_button(), &QPushButton::clicked, session_, &Session::run_plan);
  connect(controls_->cancel_button(), &QPushButton::clicked, session_, &Session::cancel_plan);
}

void PlanPanel::add_scalar(QFormLayout* form, const std::string& key, const QString& label, const QString& tooltip) {
  QLineEdit* edit = line_edit(tooltip + qs("\n(" + key + ")"));
  form->addRow(label, field_cell(key, edit, edit));
  connect(edit, &QLineEdit::textEdited, this, [this, key](const QString& text) {
    if (!reading_) session_->set_value(key, text);
  });
}

void PlanPanel::add_list(QFormLayout* form, const ListField& f, const QString& extra) {
  QLineEdit* edit = line_edit(tr(f.tooltip) + extra + tr("\nValues separated by commas; empty: the default.") +
                              qs("\n(" + std::string(f.key) + ")"));
  form->addRow(tr(f.label), field_cell(f.key, edit, edit));
  const std::string key = f.key;
  connect(edit, &QLineEdit::textEdited, this, [this, key](const QString& text) {
    if (!reading_) session_->set_list(key, split_values(text));
  });
}

void PlanPanel::connect_session() {
  connect(session_, &Session::plan_started, this, [this] {
    controls_->start_busy();  // the plan's bar shows no count
    controls_->run_button()->setEnabled(false);
    clock_->start();
    update_status();
  });
  connect(session_, &Session::plan_finished, this, &PlanPanel::show_finished);
  connect(session_, &Session::plan_stale_changed, this, &PlanPanel::update_status);
  connect(session_, &Session::document_replaced, this, [this] {
    if (!session_->plan_outcome()) finished_text_.clear();
    read_document();
    update_status();
  });
  connect(session_, &Session::validated, this, [this] {
    read_document();
    show_validation();
    update_status();
  });
}

void PlanPanel::show_finished(bool canceled) {
  clock_->stop();
  controls_->progress()->setRange(0, 1);
  controls_->progress()->setValue(canceled ? 0 : 1);
  controls_->finish();
  const auto& outcome = session_->plan_outcome();
  if (canceled) {
    finished_text_ = outcome ? tr("Cancelled; the plan on show is the one before.") : tr("Cancelled.");
  } else if (outcome && outcome->ok) {
    int confirmed = 0;
    for (const auto& p : outcome->result.front) confirmed += p.des.has_value();
    finished_text_ = tr("%1 configurations searched in %2 s: %3 on the front, %4 confirmed on the DES.")
                         .arg(outcome->result.evaluated)
                         .arg(outcome->seconds, 0, 'f', outcome->seconds < 10 ? 2 : 1)
                         .arg(outcome->result.front.size())
                         .arg(confirmed);
  } else if (outcome) {
    finished_text_ = tr("The plan failed: %1").arg(qs(outcome->error));
  }
  show_validation();  // Run again
  update_status();
}

QWidget* PlanPanel::field_cell(const std::string& key, QWidget* editors, QLineEdit* editor) {
  const FieldCell cell = make_field_cell(key, editors);
  if (editor->objectName().isEmpty()) editor->setObjectName(qs(key));
  fields_[key] = Field{editor, cell.error, cell.note};
  return cell.cell;
}

void PlanPanel::read_document() {
  reading_ = true;
  const ScenarioDocument& doc = session_->document();
  const PlanValidation& pv = session_->plan_validation();
  const models::PlanSpec* spec = pv.ok() ? &pv.input->plan : nullptr;
  auto show = [](QLineEdit* edit, const QString& text) {
    if (edit->text() != text && !edit->hasFocus()) edit->setText(text);
  };
  // A key as written: a scalar, or a list as "a, b, c".
  auto written = [&](const std::string& key) -> QString {
    if (auto v = doc.value(key)) return qs(*v);
    if (auto l = doc.list_values(key)) return join_names(*l);
    return {};
  };

  // Target: tokens, else samples.
  const bool samples = doc.has("plan.target.samples") && !doc.has("plan.target.tokens");
  target_kind_->setCurrentIndex(samples ? 1 : 0);
  show(fields_["plan.target"].editor, written(samples ? "plan.target.samples" : "plan.target.tokens"));
  fields_["plan.target"].editor->setPlaceholderText(tr("required"));

  for (const char* key : {"plan.deadline_hours", "plan.budget_usd", "plan.max_global_batch"}) {
    show(fields_[key].editor, written(key));
    fields_[key].editor->setPlaceholderText(tr("none"));
  }

  // Lists: the default the plan resolves to, as the placeholder.
  struct Default {
    const char* key;
    QString text;
  };
  const std::vector<Default> lists{
      {"plan.gpus", spec ? join_names(spec->gpus) : tr("the scenario's")},
      {"plan.node_presets", spec ? join_names(spec->node_presets) : tr("the presets of the allowed GPUs")},
      {"plan.links", spec && !spec->links.empty() ? join_names(spec->links) : tr("each preset's NIC link")},
      {"plan.topologies",
       spec ? join(spec->topologies, [](models::Topology t) { return qs(std::string(models::to_string(t))); })
            : tr("the scenario's")},
      {"plan.micro_batch", spec ? join_numbers(spec->micro_batches) : tr("the scenario's")},
      {"plan.grad_accumulation", spec ? join_numbers(spec->grad_accumulations) : tr("the scenario's")},
      {"plan.zero_stage", spec ? join_numbers(spec->zero_stages) : tr("the scenario's")},
  };
  for (const auto& d : lists) {
    show(fields_[d.key].editor, written(d.key));
    fields_[d.key].editor->setPlaceholderText(tr("default: %1").arg(d.text));
  }

  // Nodes: a range {min, max}, or a list written in the file.
  Field& nodes = fields_["plan.nodes"];
  const auto node_list = doc.list_values("plan.nodes");
  show(nodes.editor, node_list ? QString() : written("plan.nodes.min"));
  show(nodes_max_, node_list ? QString() : written("plan.nodes.max"));
  nodes.editor->setPlaceholderText("1");
  nodes_max_->setPlaceholderText(!doc.has("plan.nodes") && spec ? tr("default: %1").arg(spec->nodes.back())
                                                                : QString());
  nodes.note->setText(node_list ? tr("a list: %1 (a range typed here replaces it)").arg(join_names(*node_list))
                      : spec    ? tr("searches %1").arg(join_numbers(spec->nodes))
                                : QString());
  nodes.note->setVisible(!nodes.note->text().isEmpty());

  // Keys of the plan section without a field (prices) are kept as written.
  QStringList others;
  for (const auto& [key, value] : doc.entries("plan")) {
    bool edited = false;
    for (const auto& k : plan_field_keys()) edited = edited || k == "plan." + key;
    if (!edited) others << qs(key + ": " + value);
  }
  others_->setText(others.isEmpty() ? QString() : tr("Also in the plan (kept as written): %1").arg(others.join("; ")));
  others_->setVisible(!others.isEmpty());
  reading_ = false;
}

void PlanPanel::show_validation() {
  const PlanValidation& pv = session_->plan_validation();
  const std::string owner = pv.error ? plan_field_for(*pv.error, session_->document().error_file()) : "";
  for (auto& [key, field] : fields_) {
    const bool here = pv.error && key == owner;
    show_field_error(field.error, here ? &*pv.error : nullptr);
    field.editor->setStyleSheet(here ? error_border_style() : QString());
  }
  if (nodes_max_) nodes_max_->setStyleSheet(fields_["plan.nodes"].editor->styleSheet());
  QString banner;
  bool error = false;
  if (!pv.has_plan) {
    banner =
        tr("This scenario has no plan section. Give a target (and constraints) below to plan; "
           "see the plan section of scenarios/README.md.");
  } else if (pv.error && owner.empty()) {
    banner = qs(pv.error->message);  // the CLI's whole line
    error = true;
  }
  banner_->setText(banner);
  banner_->setStyleSheet(error ? error_frame_style() : QStringLiteral("border: 1px solid palette(mid); padding: 4px;"));
  banner_->setVisible(!banner.isEmpty());
  remove_sweep_->setVisible(pv.error && pv.error->key_path == "sweep");
  controls_->run_button()->setEnabled(pv.ok() && !session_->plan_running());
}

void PlanPanel::update_status() {
  if (session_->plan_running()) {
    const double s = static_cast<double>(controls_->elapsed_ms()) / 1000;
    controls_->status()->setText(tr("Planning... %1 s").arg(s, 0, 'f', 1));
    controls_->status()->setStyleSheet(QString());
    return;
  }
  QString text = finished_text_;
  const auto& outcome = session_->plan_outcome();
  if (outcome && session_->plan_stale())
    text += (text.isEmpty() ? "" : "\n") + tr("The scenario changed since this plan ran: Run plan to update it.");
  if (outcome && session_->opened_plan_point() >= 0)
    text += (text.isEmpty() ? "" : "\n") +
            tr("Front point %1 is open as the scenario (untitled; the file it came from is unchanged).")
                .arg(session_->opened_plan_point() + 1);
  controls_->status()->setText(text);
  controls_->status()->setStyleSheet(outcome && !outcome->ok ? error_text_style() : QString());
}

QLineEdit* PlanPanel::editor(const std::string& key) const {
  const auto it = fields_.find(key);
  return it == fields_.end() ? nullptr : it->second.editor;
}

QString PlanPanel::error_text(const std::string& key) const {
  const auto it = fields_.find(key);
  return it == fields_.end() ? QString() : it->second.error->text();
}

QString PlanPanel::banner_text() const {
  return banner_->isVisible() || !banner_->text().isEmpty() ? banner_->text() : QString();
}

QString PlanPanel::status_text() const {
  return controls_->status()->text();
}

}  // namespace dpcast::gui
