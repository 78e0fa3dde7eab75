# PowerShell 7 loads a Sentinel.dll precompiled (ReadyToRun) for its runtime; Windows PowerShell 5.1's
# .NET Framework cannot load such an image and gets the IL build. Each sits with its SSH adapter.
$edition = if ($PSEdition -eq 'Core') { 'Core' } else { 'Desktop' }
Import-Module (Join-Path $PSScriptRoot "dependencies/$edition/Sentinel.dll")
