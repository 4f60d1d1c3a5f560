#pragma once
// Shared by the GUI tests: paths into the source tree, running the commands, settings kept
// out of the user's configuration.
#include <QCoreApplication>
#include <QProcess>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace dpcast::gui::test {

inline QString source_path(const QString& relative) {
  return QStringLiteral(DPCAST_SOURCE_DIR "/") + relative;
}

struct Run {
  int code = -1;
  QString out;
  QString err;
};

/// Runs a program to its end (or kills it after `timeout_ms`).
inline Run run(const QString& program, const QStringList& arguments, int timeout_ms = 90000) {
  QProcess process;
  process.start(program, arguments);
  Run r;
  if (!process.waitForFinished(timeout_ms)) {
    process.kill();
    process.waitForFinished();
    r.err = QStringLiteral("timed out");
    return r;
  }
  r.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
  r.out = QString::fromUtf8(process.readAllStandardOutput());
  r.err = QString::fromUtf8(process.readAllStandardError());
  return r;
}

/// Recent files and other settings go to `dir`, not to the user's configuration.
inline void isolate_settings(const QString& dir) {
  QCoreApplication::setOrganizationName(QStringLiteral("dpcast-tests"));
  QCoreApplication::setApplicationName(QStringLiteral("dpcast-gui-tests"));
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir);
  QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir);
  QSettings().clear();
}

}  // namespace dpcast::gui::test
