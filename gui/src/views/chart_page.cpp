// A chart's view (see chart_page.hpp).
#include "dpcast/gui/views/chart_page.hpp"

#include <QHBoxLayout>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

#include "dpcast/gui/charts.hpp"

namespace dpcast::gui {

ChartPage::ChartPage(ChartPanel* chart, QWidget* parent)
    : QWidget(parent), chart_(chart), box_(new QVBoxLayout(this)), tools_(new QHBoxLayout) {
  tools_->addStretch(1);
  auto* png = new QPushButton(tr("Save PNG..."));
  png->setToolTip(tr("Save this chart as a PNG image"));
  tools_->addWidget(png);
  connect(png, &QPushButton::clicked, this, &ChartPage::save_png_clicked);
  box_->addLayout(tools_);
  box_->addWidget(chart_);
}

void ChartPage::add_tool(QWidget* tool) {
  tools_->insertWidget(tool_count_++, tool);
}

void ChartPage::set_below(QWidget* below, int stretch) {
  auto* csv = new QPushButton(tr("Save CSV..."));
  csv->setToolTip(tr("Save this view's table as CSV (SI units)"));
  tools_->addWidget(csv);
  connect(csv, &QPushButton::clicked, this, &ChartPage::save_csv_clicked);
  box_->removeWidget(chart_);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(chart_);
  split->addWidget(below);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, stretch);
  split->setSizes({300, 100 * stretch});  // scaled to the room there is when shown
  box_->addWidget(split);
}

}  // namespace dpcast::gui
