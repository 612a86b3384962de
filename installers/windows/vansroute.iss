; Inno Setup 6 script: a per-user installer for the one-folder build in dist\vansroute\.
; Build with installers\windows\build.ps1 (which passes the version), or by hand:
;   iscc /DAppVersion=0.1.0 installers\windows\vansroute.iss
; Output: dist\VansRoute-<version>-windows-x64-setup.exe
;
; No admin rights: everything goes under the user's profile (%LOCALAPPDATA%\Programs\VansRoute) and
; HKCU. Uninstalling stops the app, runs `vansroute configure --restore-all` so every coding tool
; VansRoute configured gets its own settings back, then removes the program files. The user's data
; (%LOCALAPPDATA%\VansRoute: database, settings, logs) is kept unless they say otherwise.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z vansroute.iss
#endif
#define AppName "VansRoute"
#define AppExe "VansRoute.exe"
#define CliExe "vansroute-cli.exe"
#define SourceDir "..\..\dist\vansroute"

[Setup]
; A fixed AppId ties upgrades and the uninstaller to this app; never change it.
AppId={{6B0E7C52-3F0D-4C8B-9E43-2D7A5F1C9A11}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=VansRoute
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=VansRoute-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\vansroute.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Replacing files of a running copy: ask Windows' Restart Manager to close it first.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "startatlogin"; Description: "Start {#AppName} when I sign in"; GroupDescription: "Start-up:"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "serve"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Parameters: "serve"; Tasks: desktopicon

[Registry]
; The value app\services\autostart.py reads and writes too, so the tray's "Start at login" switch and
; this task agree. Removed on uninstall.
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "{#AppName}"; ValueData: """{app}\{#AppExe}"" serve"; Tasks: startatlogin; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#AppExe}"; Parameters: "serve"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
const
  DataDirName = 'VansRoute';

procedure StopProgram(const ExeName: String);
var
  ResultCode: Integer;
begin
  Exec(ExpandConstant('{sys}\taskkill.exe'), '/F /T /IM ' + ExeName, '', SW_HIDE, ewWaitUntilTerminated, ResultCode);
end;

{ Runs before anything is removed. The app is stopped first, so nothing rewrites a tool's
  configuration while it is being restored; then every tool VansRoute configured gets its own
  settings back. If that fails the uninstall stops (a silent one too), since removing the app would
  leave the tools pointing at a gateway that no longer exists. }
function InitializeUninstall(): Boolean;
var
  Cli: String;
  ResultCode: Integer;
begin
  Result := True;
  StopProgram('{#AppExe}');
  StopProgram('{#CliExe}');
  Cli := ExpandConstant('{app}\{#CliExe}');
  if not FileExists(Cli) then
    exit;
  if Exec(Cli, 'configure --restore-all', '', SW_HIDE, ewWaitUntilTerminated, ResultCode) and (ResultCode = 0) then
    exit;
  Result := SuppressibleMsgBox(
    'VansRoute could not put back the configuration of the coding tools it set up (exit code ' +
    IntToStr(ResultCode) + '). To see why, run in a terminal:' + #13#10#13#10 +
    '"' + Cli + '" configure --restore-all' + #13#10#13#10 +
    'Uninstall anyway and leave those tools pointing at VansRoute?',
    mbError, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES;
end;

function UserDataDir(): String;
begin
  { platformdirs' user_data_dir("VansRoute", appauthor=False) on Windows }
  Result := ExpandConstant('{localappdata}\') + DataDirName;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usUninstall then
    { The tray's "Start at login" switch writes this value too, with or without the install task. }
    RegDeleteValue(HKEY_CURRENT_USER, 'Software\Microsoft\Windows\CurrentVersion\Run', '{#AppName}');
  if CurUninstallStep <> usPostUninstall then
    exit;
  DataDir := UserDataDir();
  if not DirExists(DataDir) then
    exit;
  { Keep by default (No is the default button; a silent uninstall never deletes data). }
  if UninstallSilent() then
    exit;
  if MsgBox('Also delete your VansRoute data (settings, local API keys, usage history) in ' + DataDir + '?' + #13#10#13#10 +
            'Choose No to keep it for a later reinstall.', mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
    DelTree(DataDir, True, True, True);
end;
