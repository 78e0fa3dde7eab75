@{
    RootModule           = 'Sentinel.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c2e-8f7a-4f4e-9d0a-3c6a1e2b7d41'
    Author               = 'Sentinel contributors'
    CompanyName          = 'Sentinel'
    Copyright            = '(c) Sentinel contributors. MIT License.'
    Description          = 'Safe, fast SSH for operations: connect, run commands with sudo, check services and containers, reach hosts behind a bastion, fan out across a fleet, with typed results.'
    PowerShellVersion    = '5.1'
    FormatsToProcess     = @('Sentinel.Format.ps1xml')
    CompatiblePSEditions = @('Core', 'Desktop')
    CmdletsToExport      = @(
        'Connect-SentinelServer'
        'Disconnect-SentinelServer'
        'Get-SentinelSession'
        'Invoke-SentinelCommand'
        'Test-SentinelConnection'
        'Get-SentinelServer'
        'Add-SentinelServer'
        'Remove-SentinelServer'
        'Get-SentinelService'
        'Start-SentinelService'
        'Stop-SentinelService'
        'Restart-SentinelService'
        'New-SentinelKey'
        'Install-SentinelKey'
        'Test-SentinelPrivilege'
        'Test-SentinelServiceConfig'
        'Get-SentinelContainer'
        'Restart-SentinelContainer'
        'Get-SentinelContainerLog'
        'Copy-SentinelItem'
        'Get-SentinelServiceLog'
        'Repair-SentinelService'
        'Watch-SentinelService'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('SSH', 'Linux', 'Operations', 'Sudo', 'Fleet', 'PSEdition_Core', 'PSEdition_Desktop')
            # MIT, as LICENSE in the module folder says. There is no public project site yet, so no
            # ProjectUri; LicenseUri points at the license's own text.
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
