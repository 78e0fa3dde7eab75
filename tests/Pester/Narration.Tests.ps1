# The verbose and debug streams tell the story of a connection without a secret; Tab completes
# session ids and sessions from the runspace's open sessions.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $credential = Get-SentinelLabCredential -Lab $lab
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Connection narration' {
    It 'names address, key exchange, fingerprint, auth method and timing, and never the password' {
        $streams = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -Verbose -Debug 4>&1 5>&1
        $text = ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -or $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message) -join "`n"
        $text | Should -Match "Connecting to 127\.0\.0\.1 \(127\.0\.0\.1\) port $($lab.Port)"
        $text | Should -Match 'key exchange \S+'
        $text | Should -Match 'Host key \S+ SHA256:[A-Za-z0-9+/]{43}'
        $text | Should -Match 'offered password'
        $text | Should -Match 'connected in \d+ ms'
        $text | Should -Not -Match ([regex]::Escape($lab.Password))
    }
}

Describe 'Tab completion' {
    BeforeAll {
        Disconnect-SentinelServer -All
        $first = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile)
        $second = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile)
        function Get-Completion([string]$Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches }
    }

    It 'completes -Id of <Command> with the open session ids' -ForEach @(
        @{ Command = 'Get-SentinelSession' }
        @{ Command = 'Disconnect-SentinelServer' }
    ) {
        $found = Get-Completion "$Command -Id "
        $found.CompletionText | Should -Be @("$($first.Id)", "$($second.Id)")
        $found[0].ToolTip | Should -BeLike "$($first.Id): sentinel@127.0.0.1:*"
    }

    It 'completes -Session with an expression that fetches the session' {
        $found = Get-Completion "Invoke-SentinelCommand -Command true -Session "
        $found.CompletionText | Should -Contain "(Get-SentinelSession -Id $($second.Id))"
        (Invoke-Expression "Invoke-SentinelCommand -Command true -Session $($found[-1].CompletionText)").SessionId | Should -Be $second.Id
    }
}
