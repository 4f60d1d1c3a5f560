#pragma once
// The views' tables, all alike: whole rows selected one at a time, alternating colours, no row
// numbers, columns fitted to their contents.
class QAbstractItemModel;
class QTableView;

namespace dpcast::gui {

/// A table of `model` as the views show one.
[[nodiscard]] QTableView* data_table(QAbstractItemModel* model);

}  // namespace dpcast::gui
