// dpcast-gui: the dashboard. `dpcast-gui [SCENARIO] [RECORDS...]` opens a window;
// `dpcast-gui --screenshot DIR SCENARIO [RECORDS...]` writes every view as PNG and exits.
#include <QApplication>
#include <QCommandLineParser>

#include <iostream>

#include "dpcast/gui/main_window.hpp"
#include "dpcast/gui/screenshot.hpp"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName("dpcast");
  QApplication::setApplicationName("dpcast-gui");
  QApplication::setApplicationVersion("0.1.0");

  QCommandLineParser parser;
  parser.setApplicationDescription(
      "The dpcast dashboard: edit a scenario, sweep it over GPU counts, and compare predictions with measured run "
      "records.");
  parser.addHelpOption();
  parser.addVersionOption();
  const QCommandLineOption screenshot(
      "screenshot", "Render every view of SCENARIO to DIR/<view>.png (and DIR/window.png), then exit.", "DIR");
  parser.addOption(screenshot);
  parser.addPositionalArgument("scenario", "A scenario file (YAML or JSON) to open.", "[SCENARIO]");
  parser.addPositionalArgument("records", "Measured run records (JSON) to compare with.", "[RECORDS...]");
  if (!parser.parse(QApplication::arguments())) {
    std::cerr << "dpcast-gui: " << parser.errorText().toStdString() << " (see dpcast-gui --help)\n";
    return 2;
  }
  if (parser.isSet("help")) parser.showHelp(0);
  if (parser.isSet("version")) parser.showVersion();
  const QStringList files = parser.positionalArguments();
  if (parser.isSet(screenshot))
    return dpcast::gui::write_screenshots(parser.value(screenshot), files, std::cout, std::cerr);

  dpcast::gui::MainWindow window;
  window.show();
  if (!files.isEmpty()) window.open_files(files);
  return QApplication::exec();
}
