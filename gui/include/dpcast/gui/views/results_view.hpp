#pragma once
// The table view: every configuration of the sweep and its figures, sortable by any column
// (sweep order until a header is clicked). Its selection and the session's selected row follow
// each other, so selecting a row shows its timeline.
#include <QWidget>

class QSortFilterProxyModel;
class QTableView;

namespace dpcast::gui {

class Session;

class ResultsView : public QWidget {
  Q_OBJECT

 public:
  explicit ResultsView(Session* session, QWidget* parent = nullptr);

  [[nodiscard]] QTableView* table() const { return table_; }

 Q_SIGNALS:
  /// Save CSV was clicked: the window asks where and saves the results.
  void save_csv_clicked();

 private:
  /// Selects the row the session selected (a row of the results; -1: none).
  void show_selection(int row);

  Session* session_;
  QSortFilterProxyModel* proxy_ = nullptr;
  QTableView* table_ = nullptr;
  bool syncing_selection_ = false;  // while the table follows the session
};

}  // namespace dpcast::gui
