#pragma once
// `dpcast-gui --screenshot DIR SCENARIO [RECORDS...]`: opens the scenario (and measured
// records) in a window that is never shown on screen, runs the analytical sweep and the DES
// step of the scenario's own configuration, and writes every view to DIR/<view>.png (plus
// DIR/window.png, the whole window). The plan view (DIR/plan.png) is written after running the
// plan when the scenario has a plan section that `dpcast plan` reads; otherwise a note on
// stderr says why it is not. Works under QT_QPA_PLATFORM=offscreen.
#include <QString>
#include <QStringList>

#include <iosfwd>

namespace dpcast::gui {

/// Returns the exit status: 0, or 2 (bad input: a file that cannot be read, a scenario the CLI
/// would reject, a directory that cannot be written) with one line on `err`, as the CLI does.
int write_screenshots(const QString& dir, const QStringList& files, std::ostream& out, std::ostream& err);

}  // namespace dpcast::gui
