#include "dpcast/gui/screenshot.hpp"

#include <QDir>
#include <QPixmap>

#include <ostream>

#include "dpcast/gui/charts.hpp"
#include "dpcast/gui/main_window.hpp"
#include "dpcast/gui/session.hpp"

namespace dpcast::gui {
namespace {
constexpr int kTimeoutMs = 300000;
}

int write_screenshots(const QString& dir, const QStringList& files, std::ostream& out, std::ostream& err) {
  if (files.isEmpty()) {
    err << "dpcast-gui: --screenshot needs a scenario file (see dpcast-gui --help)\n";
    return 2;
  }
  MainWindow window;
  window.session()->set_remembers_recent(false);  // a rendering, not the user's work
  window.setAttribute(Qt::WA_DontShowOnScreen);
  window.resize(1400, 900);
  window.show();
  QStringList scenarios, records;
  for (const QString& f : files) (MainWindow::is_record_file(f) ? records : scenarios) << f;
  if (scenarios.size() != 1) {
    err << "dpcast-gui: --screenshot needs exactly one scenario file, got " << scenarios.size() << "\n";
    return 2;
  }
  if (!window.open_scenario(scenarios.front())) {
    err << window.message().toStdString() << "\n";
    return 2;
  }
  Session* session = window.session();
  if (!records.isEmpty() && !window.open_records(records)) {
    err << window.message().toStdString() << "\n";
    return 2;
  }
  const bool idle = session->wait_idle(kTimeoutMs);
  if (!session->validation().ok()) {
    err << session->validation().error->message << "\n";
    return 2;
  }
  if (!idle) {
    err << "dpcast-gui: predictions did not finish within " << kTimeoutMs / 1000 << " s\n";
    return 2;
  }
  if (!QDir().mkpath(dir)) {
    err << dir.toStdString() << ": cannot create the directory\n";
    return 2;
  }
  int written = 0;
  auto save = [&](QWidget* widget, const QString& name) {
    const QString path = QDir(dir).filePath(name + ".png");
    if (!widget->grab().save(path, "PNG")) {
      err << path.toStdString() << ": cannot write the image\n";
      return false;
    }
    out << path.toStdString() << "\n";
    ++written;
    return true;
  };
  for (const auto& view : window.views()) {
    if (view.id == "plan") {
      // The plan view of a scenario with a plan section that `dpcast plan` reads; else a note.
      const PlanValidation& plan = session->plan_validation();
      if (!plan.has_plan) {
        err << "dpcast-gui: " << view.id.toStdString() << ".png not written: " << session->document().error_file()
            << " has no plan section\n";
        continue;
      }
      if (!plan.ok()) {
        err << "dpcast-gui: " << view.id.toStdString() << ".png not written: " << plan.error->message << "\n";
        continue;
      }
      session->run_plan();
      if (!session->wait_idle(kTimeoutMs)) {
        err << "dpcast-gui: the plan did not finish within " << kTimeoutMs / 1000 << " s\n";
        return 2;
      }
    }
    window.show_view(view.id);
    if (view.chart) view.chart->rebuild();
    session->wait_idle(kTimeoutMs);
    if (!save(view.widget, view.id)) return 2;
  }
  window.show_view("step-time");
  session->wait_idle(kTimeoutMs);
  if (!save(&window, "window")) return 2;
  return 0;
}

}  // namespace dpcast::gui
