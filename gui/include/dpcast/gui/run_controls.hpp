#pragma once
// The run controls the sweep and plan panels share: Run and Cancel, a progress bar, a status
// line, and when the run on show started. Each panel words and names them (tests find them by
// their object names) and connects them to the session.
#include <QString>
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;

namespace dpcast::gui {

class RunControls : public QWidget {
  Q_OBJECT

 public:
  /// What one panel calls its controls: the Run button's text, and the object names.
  struct Names {
    QString run_text;     // "Run sweep"
    QString run;          // object name of Run: "run"
    QString cancel;       // of Cancel: "cancel"
    QString status = {};  // of the status line ("": none)
  };
  explicit RunControls(const Names& names, QWidget* parent = nullptr);

  [[nodiscard]] QPushButton* run_button() const { return run_; }
  [[nodiscard]] QPushButton* cancel_button() const { return cancel_; }
  [[nodiscard]] QProgressBar* progress() const { return progress_; }
  [[nodiscard]] QLabel* status() const { return status_; }

  /// A run of `total` configurations began: the clock starts, the bar counts from 0, Cancel is enabled.
  void start_counting(int total);
  /// A run that reports no count began: the clock starts, the bar is busy, Cancel is enabled.
  void start_busy();
  /// The run ended or was cancelled: Cancel is disabled.
  void finish();
  /// Milliseconds since the run on show started.
  [[nodiscard]] qint64 elapsed_ms() const;

 private:
  void start_clock();

  QPushButton* run_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  qint64 started_ms_ = 0;
};

}  // namespace dpcast::gui
