# The default table views read well and a failed row is visibly different; Format-List still shows
# every property.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $credential = Get-SentinelLabCredential -Lab $lab
    $labTarget = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; Credential = $credential }

    function Get-TableLines {
        # The rendered table as plain text lines (no VT sequences), header first.
        param([Parameter(ValueFromPipeline)]$InputObject)
        end { @($input | Format-Table | Out-String -Width 250).Split("`n") | ForEach-Object { $_ -replace '\x1b\[[0-9;]*m', '' } | Where-Object { $_.Trim() } }
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Sentinel.Format.ps1xml' {
    It 'is loaded by the manifest and has a view for every public result type' {
        (Import-PowerShellDataFile $ModulePath).FormatsToProcess | Should -Be 'Sentinel.Format.ps1xml'
        $views = ([xml](Get-Content (Join-Path (Split-Path $ModulePath) 'Sentinel.Format.ps1xml'))).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName
        $results = [Sentinel.Results.SentinelSession].Assembly.GetExportedTypes() |
            Where-Object { $_.Namespace -eq 'Sentinel.Results' -and $_.IsClass } | ForEach-Object FullName
        foreach ($type in $results) { $views | Should -Contain $type -Because "$type needs a table view" }
    }
}

Describe 'Table views against the lab' {
    BeforeAll {
        $session = Connect-SentinelServer @labTarget -KnownHostsFile (New-TestKnownHostsFile)
    }

    It 'shows a session as Id, ComputerName, Port, UserName, State, Authentication, HostKeyFingerprint' {
        $lines = $session | Get-TableLines
        $lines[0] | Should -Match '^\s*Id\s+ComputerName\s+Port\s+UserName\s+State\s+Authentication\s+HostKeyFingerprint\s*$'
        $lines[2] | Should -Match "^\s*$($session.Id)\s+127\.0\.0\.1\s+$($lab.Port)\s+sentinel\s+Open\s+$($session.AuthenticationMethod)\s+SHA256:"
    }

    It 'shows command results with ExitCode, Succeeded, ms, the command and the first output line; a failure reads False' {
        $results = @(
            Invoke-SentinelCommand -Session $session "printf 'first\nsecond\n'"
            Invoke-SentinelCommand -Session $session 'ls /no/such/path'
        )
        $lines = $results | Get-TableLines
        $lines[0] | Should -Match '^ComputerName\s+ExitCode\s+Succeeded\s+ms\s+Command\s+Output \(first line\)'
        $lines[2] | Should -Match '^127\.0\.0\.1\s+0\s+True\s+\d+\s+printf .*\s+first$'
        $lines[3] | Should -Match "^127\.0\.0\.1\s+2\s+False\s+\d+\s+ls /no/such/path\s+ls: cannot access '/no/such/path'"
    }

    It 'keeps every property in Format-List' {
        $text = Invoke-SentinelCommand -Session $session 'echo hi' | Format-List | Out-String
        foreach ($property in 'SessionId', 'Sudo', 'ExitSignal', 'Output', 'Error', 'StartTime', 'Duration', 'OutputBytes', 'ErrorBytes', 'Truncated', 'Succeeded') {
            $text | Should -Match "(?m)^$property\s+:"
        }
    }

    It 'shows a connection test with Passed, the failed step and its hint, and its steps as rows' {
        $good = Test-SentinelConnection @labTarget -KnownHostsFile (New-TestKnownHostsFile)
        $bad = Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential ([pscredential]::new('sentinel', (ConvertTo-SecureString 'wrong' -AsPlainText -Force))) -KnownHostsFile (New-TestKnownHostsFile)
        $lines = $good, $bad | Get-TableLines
        $lines[0] | Should -Match '^ComputerName\s+Port\s+Passed\s+FailedStep\s+Hint$'
        $lines[2] | Should -Match "^127\.0\.0\.1\s+$($lab.Port)\s+True\s*$"
        $lines[3] | Should -Match "^127\.0\.0\.1\s+$($lab.Port)\s+False\s+Authentication\s+Check the user name"

        $steps = $bad.Steps | Get-TableLines
        $steps[0] | Should -Match '^Step\s+Passed\s+ms\s+Detail\s+Hint$'
        @($steps -match '^TCP\s+True\s+\d+\s+127\.0\.0\.1 port').Count | Should -Be 1
        @($steps -match '^Authentication\s+False\s+\d+\s+.+Check the user name').Count | Should -Be 1
    }

    It 'colours a failed row red only where $PSStyle exists and the host renders VT' {
        $failed = Invoke-SentinelCommand -Session $session 'false'
        $view = ([xml](Get-Content (Join-Path (Split-Path $ModulePath) 'Sentinel.Format.ps1xml'))).Configuration.ViewDefinitions.View |
            Where-Object Name -eq 'Sentinel.Results.CommandResult'
        $succeededColumn = @($view.TableControl.TableRowEntries.TableRowEntry.TableColumnItems.TableColumnItem |
                ForEach-Object { $_.SelectSingleNode('ScriptBlock') } | Where-Object { $_ -and $_.InnerText -match 'Succeeded' })[0]
        $marker = [scriptblock]::Create($succeededColumn.InnerText)
        $row = [psvariable]::new('_', $failed)
        $inThisHost = $marker.InvokeWithContext($null, [psvariable[]]$row)[0]
        $inThisHost | Should -Be $(if ($Host.UI.SupportsVirtualTerminal) { $PSStyle.Foreground.Red + 'False' + $PSStyle.Reset } else { $false })
        # As on Windows PowerShell 5.1: no $PSStyle, plain False.
        $withoutStyle = $marker.InvokeWithContext($null, [psvariable[]]($row, [psvariable]::new('PSStyle', $null)))[0]
        $withoutStyle | Should -BeFalse
        $withoutStyle | Should -BeOfType [bool]
    }
}
