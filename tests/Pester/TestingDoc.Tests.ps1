# docs/testing-with-pester.md works as written: its script and its Pester test are run as a user
# would, in a fresh pwsh with Pester and the built module.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $blocks = [regex]::Matches((Get-Content (Join-Path $RepoRoot 'docs/testing-with-pester.md') -Raw), '(?s)```powershell\r?\n(.*?)```') | ForEach-Object { $_.Groups[1].Value }
    $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'user-tests')
    Set-Content (Join-Path $folder 'Restart-WebIfDown.ps1') $blocks[0]
    Set-Content (Join-Path $folder 'Restart-WebIfDown.Tests.ps1') ($blocks[1] -replace 'Import-Module Sentinel', "Import-Module '$ModulePath'")
    $pester = (Get-Module Pester).Path -replace 'psm1$', 'psd1'
}

Describe 'docs/testing-with-pester.md' {
    It 'has the script and its test' {
        $blocks.Count | Should -Be 2
    }

    It 'runs its mocked Invoke-SentinelCommand tests green' {
        $output = Invoke-ChildPwsh "Import-Module '$pester'; `$r = Invoke-Pester -Path '$folder' -PassThru -Output None; 'passed=' + `$r.PassedCount; 'failed=' + `$r.FailedCount; `$r.Failed | ForEach-Object { `$_.ErrorRecord | Out-String }" | Out-String
        $output | Should -Match '(?m)^passed=3\s*$'
        $output | Should -Match '(?m)^failed=0\s*$'
    }
}
