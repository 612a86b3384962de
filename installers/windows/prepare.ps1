# A virtual environment with the project and its `build` extra (PyInstaller), and Inno Setup 6 when
# it is missing (through Chocolatey, which GitHub's Windows runners have).
#   powershell -ExecutionPolicy Bypass -File installers\windows\prepare.ps1 [-Python py]
param([string]$Python = "python")
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

& $Python -m venv .venv
if ($LASTEXITCODE -ne 0) { throw "cannot create .venv" }
& .venv\Scripts\python.exe -m pip install -q --upgrade pip
& .venv\Scripts\python.exe -m pip install -q -e ".[build]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }

$iscc = Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"
if (-not (Get-Command iscc -ErrorAction SilentlyContinue) -and -not (Test-Path $iscc)) {
    choco install innosetup --no-progress -y
    if ($LASTEXITCODE -ne 0) { throw "cannot install Inno Setup" }
}
