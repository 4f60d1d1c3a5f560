// The table view (see results_view.hpp).
#include "dpcast/gui/views/results_view.hpp"

#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include "dpcast/gui/item_roles.hpp"
#include "dpcast/gui/session.hpp"
#include "dpcast/gui/views/data_table.hpp"

namespace dpcast::gui {

ResultsView::ResultsView(Session* session, QWidget* parent) : QWidget(parent), session_(session) {
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(session_->results());
  proxy_->setSortRole(RawRole);
  table_ = data_table(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(-1, Qt::AscendingOrder);  // sweep order until a header is clicked
  auto* box = new QVBoxLayout(this);
  auto* row = new QHBoxLayout;
  row->addWidget(new QLabel(tr("Every configuration of the sweep; select one to see its timeline.")));
  row->addStretch(1);
  auto* csv = new QPushButton(tr("Save CSV..."));
  connect(csv, &QPushButton::clicked, this, &ResultsView::save_csv_clicked);
  row->addWidget(csv);
  box->addLayout(row);
  box->addWidget(table_);

  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
    if (syncing_selection_ || !current.isValid()) return;
    session_->select_row(proxy_->mapToSource(current).row());
  });
  connect(session_, &Session::selection_changed, this, &ResultsView::show_selection);
}

void ResultsView::show_selection(int row) {
  syncing_selection_ = true;
  if (row < 0)
    table_->clearSelection();
  else
    table_->selectRow(proxy_->mapFromSource(session_->results()->index(row, 0)).row());
  syncing_selection_ = false;
}

}  // namespace dpcast::gui
