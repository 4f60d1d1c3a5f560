#include "dpcast/gui/sweep_panel.hpp"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "dpcast/gui/error_style.hpp"
#include "dpcast/gui/field_cell.hpp"
#include "dpcast/gui/qstring.hpp"
#include "dpcast/gui/run_controls.hpp"
#include "dpcast/gui/session.hpp"

namespace dpcast::gui {
namespace {
QStringList to_list(const std::vector<std::string>& values) {
  QStringList list;
  for (const auto& v : values) list << qs(v);
  return list;
}

// Values offered when a series is first chosen.
QStringList default_values(const std::string& key) {
  if (key == "training.micro_batch") return {"4", "8", "16"};
  if (key == "cluster.network.link") return {"eth-100g", "ib-hdr", "ib-ndr"};
  return {};
}
}  // namespace

QStringList split_values(const QString& text) {
  return text.split(QRegularExpression("[,\\s]+"), Qt::SkipEmptyParts);
}

const std::vector<std::string>& SweepPanel::series_keys() {
  static const std::vector<std::string> keys{"", "training.micro_batch", "cluster.network.link"};
  return keys;
}

SweepPanel::SweepPanel(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  QFormLayout* form = add_form_group(layout, tr("Sweep"));
  build_sweep_fields(form);
  build_engine_choice(form);
  controls_ = new RunControls({tr("Run sweep"), "run", "cancel"});
  controls_->progress()->setFormat("%v / %m");
  form->addRow(controls_);
  connect_editors();
  connect_session();
  read_document();
  show_validation();
}

void SweepPanel::build_sweep_fields(QFormLayout* form) {
  node_counts_ = new QLineEdit;
  node_counts_->setObjectName("sweep.cluster.nodes");
  node_counts_->setPlaceholderText(tr("e.g. 1, 2, 4, 8 (empty: the scenario's nodes)"));
  node_counts_->setToolTip(tr("Node counts to predict (sweep: cluster.nodes); GPUs = nodes x GPUs per node"));
  form->addRow(tr("Node counts"), node_counts_);

  series_ = new QComboBox;
  series_->setObjectName("sweep.series");
  series_->addItem(tr("none"));
  series_->addItem(tr("micro-batch"));
  series_->addItem(tr("NIC link"));
  series_->setToolTip(tr("A second sweep key: one chart series per value"));
  form->addRow(tr("Series"), series_);

  series_values_ = new QLineEdit;
  series_values_->setObjectName("sweep.series.values");
  series_values_->setToolTip(tr("The series' values, separated by commas"));
  form->addRow(tr("Values"), series_values_);

  others_ = new QLabel;
  others_->setWordWrap(true);
  others_->setStyleSheet("color: palette(mid);");
  others_->hide();
  form->addRow(others_);

  error_ = new QLabel;
  error_->setObjectName("sweep-error");
  error_->setWordWrap(true);
  error_->setStyleSheet(error_text_style());
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->hide();
  form->addRow(error_);
}

void SweepPanel::build_engine_choice(QFormLayout* form) {
  engine_ = new QComboBox;
  engine_->setObjectName("engine");
  for (Engine e : available_engines())
    engine_->addItem(e == Engine::Des ? tr("discrete-event (SimGrid)") : tr("analytical (instant)"),
                     static_cast<int>(e));
  engine_->setToolTip(des_available() ? tr("The analytical engine re-runs on every change; the DES runs when asked")
                                      : tr("This build has no DES (it needs SimGrid)"));
  form->addRow(tr("Engine"), engine_);
}

void SweepPanel::connect_editors() {
  connect(node_counts_, &QLineEdit::textEdited, this, [this](const QString& text) {
    if (!reading_) session_->set_sweep_values("cluster.nodes", split_values(text));
  });
  connect(series_values_, &QLineEdit::textEdited, this, [this](const QString& text) {
    // Emptied while retyping: the series stays until "none" is chosen.
    const std::string key = series_key();
    if (!reading_ && !key.empty() && !split_values(text).isEmpty()) session_->set_sweep_values(key, split_values(text));
  });
  connect(series_, &QComboBox::activated, this, &SweepPanel::choose_series);
  connect(engine_, &QComboBox::activated, this,
          [this](int index) { session_->set_engine(static_cast<Engine>(engine_->itemData(index).toInt())); });
  connect(controls_->run_button(), &QPushButton::clicked, session_, &Session::run_sweep);
  connect(controls_->cancel_button(), &QPushButton::clicked, session_, &Session::cancel_sweep);
}

void SweepPanel::connect_session() {
  connect(session_, &Session::document_replaced, this, &SweepPanel::read_document);
  connect(session_, &Session::validated, this, [this] {
    read_document();
    show_validation();
  });
  connect(session_, &Session::sweep_started, this, [this](int total) {
    controls_->start_counting(total);
    controls_->status()->setText(
        tr("predicting %1 configurations (%2)...").arg(total).arg(qs(std::string(to_string(session_->engine())))));
  });
  connect(session_, &Session::sweep_progress, this, [this](int done, int) { controls_->progress()->setValue(done); });
  connect(session_, &Session::sweep_finished, this, [this](bool canceled) {
    controls_->finish();
    const int done = session_->results()->finished_rows();
    const int total = session_->results()->rowCount();
    const qint64 ms = controls_->elapsed_ms();
    controls_->status()->setText(canceled ? tr("cancelled after %1 of %2 configurations").arg(done).arg(total)
                                          : tr("%1 configurations in %2 ms").arg(total).arg(ms));
  });
  connect(session_, &Session::stale_changed, this, [this](bool stale) {
    if (stale) controls_->status()->setText(tr("the results shown are from an earlier scenario: Run sweep"));
  });
  connect(session_, &Session::engine_changed, this,
          [this] { engine_->setCurrentIndex(engine_->findData(static_cast<int>(session_->engine()))); });
}

std::string SweepPanel::series_key() const {
  const int i = series_->currentIndex();
  return i >= 0 && i < static_cast<int>(series_keys().size()) ? series_keys()[static_cast<std::size_t>(i)] : "";
}

void SweepPanel::choose_series(int index) {
  if (reading_) return;
  const ScenarioDocument& doc = session_->document();
  // The previous series key leaves the sweep; the new one comes with its values.
  const std::string chosen = series_keys()[static_cast<std::size_t>(index)];
  for (const auto& key : series_keys())
    if (!key.empty() && key != chosen && doc.sweep_values(key)) session_->set_sweep_values(key, {});
  if (!chosen.empty() && !doc.sweep_values(chosen)) {
    QStringList values = split_values(series_values_->text());
    if (values.isEmpty()) values = default_values(chosen);
    session_->set_sweep_values(chosen, values);
  }
  read_document();
}

void SweepPanel::read_document() {
  reading_ = true;
  const ScenarioDocument& doc = session_->document();
  const auto nodes = doc.sweep_values("cluster.nodes");
  const QString node_text = nodes ? to_list(*nodes).join(", ") : QString();
  if (node_counts_->text() != node_text && !node_counts_->hasFocus()) node_counts_->setText(node_text);
  // The series: the first of the series keys the sweep has.
  int series = 0;
  for (std::size_t i = 1; i < series_keys().size(); ++i)
    if (doc.sweep_values(series_keys()[i])) {
      series = static_cast<int>(i);
      break;
    }
  series_->setCurrentIndex(series);
  series_values_->setEnabled(series != 0);
  const auto values = series ? doc.sweep_values(series_keys()[static_cast<std::size_t>(series)]) : std::nullopt;
  const QString values_text = values ? to_list(*values).join(", ") : QString();
  if (series_values_->text() != values_text && !series_values_->hasFocus()) series_values_->setText(values_text);
  // Other sweep keys are kept and shown.
  QStringList others;
  for (const auto& axis : doc.sweep())
    if (axis.key != "cluster.nodes" && axis.key != series_keys()[static_cast<std::size_t>(series)])
      others << qs(axis.key) + ": " + to_list(axis.values).join(", ");
  others_->setText(others.isEmpty() ? QString() : tr("Also swept (kept as written): ") + others.join("; "));
  others_->setVisible(!others.isEmpty());
  reading_ = false;
}

void SweepPanel::show_validation() {
  const Validation& v = session_->validation();
  const bool here = v.error && v.error->in_sweep;
  // As the CLI says it, less the file and line (the tooltip has the whole line).
  error_->setText(here ? qs(v.error->key_path.empty() ? v.error->detail : v.error->key_path + ": " + v.error->detail)
                       : QString());
  error_->setToolTip(here ? qs(v.error->message) : QString());
  error_->setVisible(here);
  controls_->run_button()->setEnabled(v.ok());
  const QString style = here ? error_border_style() : QString();
  const std::string key = v.error ? v.error->key_path : "";
  const bool on_nodes = here && (key == "cluster.nodes" || key == "sweep.cluster.nodes");
  const bool on_series = here && !series_key().empty() && (key == series_key() || key == "sweep." + series_key());
  node_counts_->setStyleSheet(on_nodes ? style : QString());
  series_values_->setStyleSheet(on_series ? style : QString());
}

QString SweepPanel::error_text() const {
  return error_->text();
}
QString SweepPanel::status_text() const {
  return controls_->status()->text();
}

}  // namespace dpcast::gui
