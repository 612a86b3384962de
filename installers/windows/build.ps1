# Builds the Windows one-folder bundle and its installer:
#   dist\vansroute\  and  dist\VansRoute-<version>-windows-x64-setup.exe
# Needs what installers\windows\prepare.ps1 sets up: .venv with the `build` extra, and Inno Setup 6
# (iscc on PATH or in its default folder).
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1 [-Python C:\path\python.exe]
param([string]$Python = ".venv\Scripts\python.exe")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

$version = (& $Python -c "import app; print(app.__version__)").Trim()
if ($LASTEXITCODE -ne 0) { throw "cannot read the version (is the project installed?)" }

$started = Get-Date
& $Python -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build\pyinstaller build.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
Write-Host ("bundle built in {0:N0} s" -f ((Get-Date) - $started).TotalSeconds)

# The frozen app checks itself before it is packaged.
& "dist\vansroute\vansroute-cli.exe" --selftest
if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }

$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe" }
if (-not (Test-Path $iscc)) { throw "Inno Setup 6 (ISCC.exe) not found" }
& $iscc "/DAppVersion=$version" "installers\windows\vansroute.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Get-ChildItem "dist\VansRoute-$version-windows-x64-setup.exe"
