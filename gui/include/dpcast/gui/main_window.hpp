#pragma once
// The dashboard window: the scenario and sweep panels on the left, the views on the right
// (step time, throughput, scaling, breakdown, memory, timeline, predicted against measured,
// the table, the plan: one widget class each, in views/), a banner for files it cannot read,
// menus for files and exports.
#include <QMainWindow>
#include <QString>
#include <QStringList>

#include <vector>

class QAbstractItemModel;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace dpcast::gui {

class ChartPage;
class ChartPanel;
class ComparisonView;
class PlanPanel;
class PlanView;
class ResultsView;
class ScenarioPanel;
class Session;
class SweepPanel;
class TimelineView;

class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  explicit MainWindow(QWidget* parent = nullptr);

  /// One view: a tab of the window, and one screenshot.
  struct View {
    QString id;     // file name of its screenshot: "step-time"
    QString title;  // tab title
    QWidget* widget = nullptr;
    ChartPanel* chart = nullptr;                // its chart (every view but the table)
    QTableView* table = nullptr;                // its table, if it has one
    const QAbstractItemModel* model = nullptr;  // what "Save CSV" writes for it
  };
  [[nodiscard]] const std::vector<View>& views() const { return views_; }
  [[nodiscard]] const View* view(const QString& id) const;
  void show_view(const QString& id);

  [[nodiscard]] Session* session() const { return session_; }
  [[nodiscard]] ScenarioPanel* scenario_panel() const { return scenario_panel_; }
  [[nodiscard]] SweepPanel* sweep_panel() const { return sweep_panel_; }
  [[nodiscard]] QSpinBox* timeline_ranks() const;
  [[nodiscard]] QLabel* comparison_summary() const;
  /// The status line's permanent part: where the sweep's numbers come from (catalogue
  /// defaults and their validated error, see sim/provenance.hpp).
  [[nodiscard]] QLabel* provenance() const { return provenance_; }
  [[nodiscard]] PlanPanel* plan_panel() const;
  /// The plan view's banner: the binding constraints when nothing meets them, or why the plan failed.
  [[nodiscard]] QLabel* plan_binding() const;
  /// The recommendation and its reasons (the planner's `why`).
  [[nodiscard]] QLabel* plan_why() const;
  [[nodiscard]] QPushButton* open_point_button() const;

  /// Opens front point `row` of the plan as the scenario (Session::open_plan_point), first
  /// asking about unsaved changes (not when the document is an unedited point of the plan).
  bool open_plan_point(int row);

  /// Opens scenario files and measured records (JSON run records) as the command line and
  /// drag-and-drop give them. False, with the message in the banner, when one cannot be read.
  bool open_files(const QStringList& paths);
  bool open_scenario(const QString& path);
  bool open_records(const QStringList& paths);
  /// Saves the scenario to `path`; false, with the message in the banner, on failure.
  bool save_to(const QString& path);
  /// The message of the banner ("" when hidden): why a file could not be read or written.
  [[nodiscard]] QString message() const;
  /// Writes a view's table (else the results) as CSV; its chart as PNG. False on failure.
  bool export_csv(const QString& view_id, const QString& path);
  bool export_png(const QString& view_id, const QString& path);

  /// Whether a path holds run records rather than a scenario: a JSON file that is not a map
  /// with model, cluster or sweep keys.
  [[nodiscard]] static bool is_record_file(const QString& path);

 protected:
  void closeEvent(class QCloseEvent* event) override;
  void dragEnterEvent(class QDragEnterEvent* event) override;
  void dropEvent(class QDropEvent* event) override;

 private:
  [[nodiscard]] QWidget* build_panels();
  [[nodiscard]] QWidget* build_view_area();
  void build_views();
  void add_view(const View& view, ChartPage* page);
  void build_menus();
  void build_status_bar();
  void connect_session();
  void rebuild_recent_menu();
  void update_title();
  void show_message(const QString& text);
  void update_provenance();
  /// Ask for a file, then open records or save a view's chart (table) there.
  void open_records_dialog();
  void save_chart_dialog(const QString& view_id);
  void save_table_dialog(const QString& view_id, const QString& file_name);
  /// Asks before unsaved changes are lost; true to go on.
  bool maybe_save();
  bool save();
  bool save_as();
  [[nodiscard]] const View* current_view() const;

  Session* session_;
  ScenarioPanel* scenario_panel_ = nullptr;
  SweepPanel* sweep_panel_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLabel* banner_ = nullptr;
  QWidget* banner_frame_ = nullptr;
  QLabel* provenance_ = nullptr;
  TimelineView* timeline_view_ = nullptr;
  ComparisonView* comparison_view_ = nullptr;
  ResultsView* results_view_ = nullptr;
  PlanView* plan_view_ = nullptr;
  class QMenu* recent_menu_ = nullptr;
  std::vector<View> views_;
};

}  // namespace dpcast::gui
