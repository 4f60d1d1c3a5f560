// The sweep and plan panels' run controls (see run_controls.hpp).
#include "dpcast/gui/run_controls.hpp"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace dpcast::gui {

RunControls::RunControls(const Names& names, QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton(names.run_text);
  run_->setObjectName(names.run);
  cancel_ = new QPushButton(tr("Cancel"));
  cancel_->setObjectName(names.cancel);
  cancel_->setEnabled(false);
  buttons->addWidget(run_);
  buttons->addWidget(cancel_);
  layout->addLayout(buttons);
  progress_ = new QProgressBar;
  progress_->setRange(0, 1);
  progress_->setValue(0);
  layout->addWidget(progress_);
  status_ = new QLabel;
  if (!names.status.isEmpty()) status_->setObjectName(names.status);
  status_->setWordWrap(true);
  layout->addWidget(status_);
}

void RunControls::start_counting(int total) {
  start_clock();
  progress_->setRange(0, std::max(1, total));
  progress_->setValue(0);
  cancel_->setEnabled(true);
}

void RunControls::start_busy() {
  start_clock();
  progress_->setRange(0, 0);
  cancel_->setEnabled(true);
}

void RunControls::finish() {
  cancel_->setEnabled(false);
}

qint64 RunControls::elapsed_ms() const {
  return QDateTime::currentMSecsSinceEpoch() - started_ms_;
}

void RunControls::start_clock() {
  started_ms_ = QDateTime::currentMSecsSinceEpoch();
}

}  // namespace dpcast::gui
