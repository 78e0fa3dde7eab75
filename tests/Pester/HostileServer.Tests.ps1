# Downloads from a hostile server (issue 20 item 1): tests/lab/hostile_sftp_server.py serves a
# scripted fake file system over SFTP (names like '../', '/etc/x', NUL; listings and trees that never
# end; lying sizes, reads and hashes; a connection cut mid-transfer) and answers sha256sum honestly
# for its fake files unless told to lie, as the attacker in the issue does. Whatever it sends, nothing
# may be written outside -Destination, each refused name is a Sentinel.* error, and the good files
# still copy.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelHostileServer.psm1')

    function Invoke-HostileDownload {
        # Starts the scenario's server, downloads -Path into <outer>/a/dest in another runspace (so a
        # hang fails the test after the ceiling instead of stalling the run), and returns what came back
        # and every file the download left under <outer>, inside and outside the destination.
        param([Parameter(Mandatory)][string]$Scenario, [string]$Path = 'pub', [switch]$NoRecurse, [switch]$Force, [scriptblock]$Arrange, [int]$CeilingSeconds = 90)
        $outer = (New-Item -ItemType Directory (Join-Path $TestDrive "hostile-$([guid]::NewGuid().ToString('N').Substring(0, 8))")).FullName
        $destination = (New-Item -ItemType Directory (Join-Path $outer 'a/dest')).FullName
        if ($Arrange) { & $Arrange $destination }
        $before = @{}
        Get-ChildItem -LiteralPath $outer -Recurse -Force -File | ForEach-Object { $before[$_.FullName] = Get-Sha256 $_.FullName }
        $server = Start-SentinelHostileServer -Scenario $Scenario
        try {
            $script = @"
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($server.Credential.UserName)', (ConvertTo-SecureString '$($server.Credential.GetNetworkCredential().Password)' -AsPlainText -Force))
`$session = Connect-SentinelServer -ComputerName $($server.ComputerName) -Port $($server.Port) -Credential `$credential -KnownHostsFile '$($server.KnownHostsFile)' -ErrorAction Stop
Copy-SentinelItem -Path '$Path' -Destination '$destination' -FromSession `$session -Recurse:`$$(-not $NoRecurse) -Force:`$$([bool]$Force) -ProgressAction SilentlyContinue
"@
            $background = Start-BackgroundPipeline -Script $script
            try {
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $ended = Wait-Until -TimeoutSeconds $CeilingSeconds { $background.Shell.InvocationStateInfo.State -in 'Completed', 'Failed', 'Stopped' }
                # A hung copy may not stop at once: ask without waiting; stopping the server ends it.
                if (-not $ended) { $null = $background.Shell.BeginStop($null, $null) }
                [pscustomobject]@{
                    Ended       = $ended
                    Seconds     = $clock.Elapsed.TotalSeconds
                    State       = $background.Shell.InvocationStateInfo.State
                    Reason      = $background.Shell.InvocationStateInfo.Reason
                    Results     = @($background.Output | Where-Object { $_ -is [Sentinel.Results.FileCopyResult] })
                    Errors      = @($background.Shell.Streams.Error)
                    Destination = $destination
                    Outer       = $outer
                    Before      = $before
                    Files       = @(Get-ChildItem -LiteralPath $outer -Recurse -Force | ForEach-Object FullName)
                    ServerLog   = (Get-Content -Raw $server.LogPath)
                }
            }
            finally { if ($ended) { $background.Shell.Dispose() } }
        }
        finally { Stop-SentinelHostileServer -Server $server }
    }

    function Get-Sha256 {
        param([string]$Path)
        (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    function Assert-Contained {
        # Ended without a hang, nothing outside the destination, no temporary file anywhere, files that
        # were there before are byte for byte as they were unless a result says Copied onto them.
        param([Parameter(Mandatory)]$Run)
        $Run.Ended | Should -BeTrue -Because "the download ends by itself (state $($Run.State), $([int]$Run.Seconds) s)"
        $Run.State | Should -Be 'Completed' -Because "no exception escapes the cmdlet ($($Run.Reason))"
        $prefix = $Run.Destination + [System.IO.Path]::DirectorySeparatorChar
        $outside = @($Run.Files | Where-Object { $_ -ne $Run.Destination -and -not $_.StartsWith($prefix) -and $_ -ne (Split-Path $Run.Destination) })
        $outside | Should -BeNullOrEmpty -Because 'nothing is written outside -Destination'
        @($Run.Files | Where-Object { $_ -like '*.sentinel-*.tmp' }) | Should -BeNullOrEmpty -Because 'no temporary file is left'
        $copied = @($Run.Results | Where-Object Action -EQ 'Copied' | ForEach-Object Destination)
        foreach ($file in $Run.Before.Keys) {
            if ($file -notin $copied) { Get-Sha256 $file | Should -Be $Run.Before[$file] -Because "$file was not to be touched" }
        }
    }

    function Assert-GoodFilesCopied {
        param([Parameter(Mandatory)]$Run)
        foreach ($name in 'good.txt', 'other.txt') {
            $result = @($Run.Results | Where-Object { $_.Source -eq "pub/$name" })
            $result.Count | Should -Be 1 -Because "pub/$name has one result"
            $result[0].Action | Should -Be 'Copied'
            Test-Path -LiteralPath (Join-Path $Run.Destination "pub/$name") | Should -BeTrue
        }
    }

    function Get-ErrorId {
        param([Parameter(Mandatory)]$Run)
        @($Run.Errors | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] })
    }
}

Describe 'Copy-SentinelItem -FromSession from a hostile server' {
    It 'issue 20 item 1: a listing entry named ''../'' leading to PWNED.txt writes nothing outside -Destination (the issue''s attack)' {
        $run = Invoke-HostileDownload -Scenario dotdot-listing
        Assert-Contained $run
        Test-Path (Join-Path $run.Outer 'a/PWNED.txt') | Should -BeFalse
        @($run.Files | Where-Object { $_ -like '*PWNED*' }) | Should -BeNullOrEmpty
        Get-ErrorId $run | Should -Be 'Sentinel.UnsafeRemoteName'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $run.Errors[0].TargetObject | Should -Be '127.0.0.1'
        Assert-GoodFilesCopied $run
    }

    It 'issue 20 item 1: the listing entry <Case> is refused with Sentinel.UnsafeRemoteName, the good files still copy' -ForEach @(
        @{ Case = 'dotdot-slash' }, @{ Case = 'dot-slash' }, @{ Case = 'empty' }, @{ Case = 'slash' },
        @{ Case = 'absolute' }, @{ Case = 'traversal' }, @{ Case = 'nul' }
    ) {
        $run = Invoke-HostileDownload -Scenario "name-$Case"
        Assert-Contained $run
        Get-ErrorId $run | Should -Be 'Sentinel.UnsafeRemoteName'
        $run.Errors[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $run.Errors[0].TargetObject | Should -Be '127.0.0.1'
        Assert-GoodFilesCopied $run
        @($run.Results).Count | Should -Be 2 -Because 'the hostile entry has no result of its own besides its error'
        @(Get-ChildItem -LiteralPath (Join-Path $run.Destination 'pub') -Force).Name | Sort-Object | Should -Be 'good.txt', 'other.txt'
    }

    It 'issue 20 item 1: the listing entries ''.'' and ''..'' are left out like every SFTP listing''s own (<Case>)' -ForEach @(@{ Case = 'dot' }, @{ Case = 'dotdot' }) {
        $run = Invoke-HostileDownload -Scenario "name-$Case"
        Assert-Contained $run
        $run.Errors | Should -BeNullOrEmpty
        Assert-GoodFilesCopied $run
        @(Get-ChildItem -LiteralPath (Join-Path $run.Destination 'pub') -Force).Name | Sort-Object | Should -Be 'good.txt', 'other.txt'
    }

    It 'issue 20 item 1: a name with backslashes is one literal file name on Linux, inside -Destination' {
        $run = Invoke-HostileDownload -Scenario name-backslash
        Assert-Contained $run
        $run.Errors | Should -BeNullOrEmpty
        Assert-GoodFilesCopied $run
        [System.IO.File]::Exists("$($run.Destination)/pub/..\..\evil") | Should -BeTrue -Because 'PowerShell paths would read the backslashes as separators'
    }

    It 'issue 20 item 1: a listing that never ends is cut at the entry bound, and the rest still copies' {
        $run = Invoke-HostileDownload -Scenario endless-listing
        Assert-Contained $run
        Get-ErrorId $run | Should -Be 'Sentinel.RemoteTreeTooLarge'
        Assert-GoodFilesCopied $run
        Test-Path -LiteralPath (Join-Path $run.Destination 'pub/endless') | Should -BeTrue -Because 'the directory itself is made, not what its endless listing holds'
        @(Get-ChildItem -LiteralPath (Join-Path $run.Destination 'pub/endless') -Force) | Should -BeNullOrEmpty
    }

    It 'issue 20 item 1: a directory tree that never ends is cut at the depth bound, and the rest still copies' {
        $run = Invoke-HostileDownload -Scenario endless-tree
        Assert-Contained $run
        Get-ErrorId $run | Should -Be 'Sentinel.RemoteTreeTooLarge'
        Assert-GoodFilesCopied $run
    }

    It 'issue 20 item 1: a symbolic link loop is skipped inside a tree and refused as a -Path, without a hang' {
        $run = Invoke-HostileDownload -Scenario symlink-loop
        Assert-Contained $run
        Assert-GoodFilesCopied $run
        @($run.Results | Where-Object Source -EQ 'pub/loop').Action | Should -Be 'Skipped'

        $direct = Invoke-HostileDownload -Scenario symlink-loop -Path 'pub/loop'
        Assert-Contained $direct
        @($direct.Files | Where-Object { $_ -ne (Split-Path $direct.Destination) -and $_ -ne $direct.Destination }) | Should -BeNullOrEmpty
    }

    It 'issue 20 item 1: a wrong hash from sha256sum fails each file (Sentinel.FileVerificationFailed) and leaves an existing file as it was' {
        $run = Invoke-HostileDownload -Scenario wrong-hash -Force -Arrange {
            param($destination)
            New-Item -ItemType Directory (Join-Path $destination 'pub') | Out-Null
            Set-Content (Join-Path $destination 'pub/good.txt') 'the local file'
        }
        Assert-Contained $run
        Get-ErrorId $run | Sort-Object -Unique | Should -Be 'Sentinel.FileVerificationFailed'
        @($run.Results.Action | Sort-Object -Unique) | Should -Be 'Failed'
        Get-Content (Join-Path $run.Destination 'pub/good.txt') | Should -Be 'the local file'
        Test-Path (Join-Path $run.Destination 'pub/other.txt') | Should -BeFalse
    }

    It 'issue 20 item 1: a missing hash from sha256sum fails each file (Sentinel.FileVerificationFailed) and writes nothing' {
        $run = Invoke-HostileDownload -Scenario missing-hash
        Assert-Contained $run
        Get-ErrorId $run | Sort-Object -Unique | Should -Be 'Sentinel.FileVerificationFailed'
        @(Get-ChildItem -LiteralPath $run.Destination -Recurse -File -Force) | Should -BeNullOrEmpty
    }

    It 'issue 20 item 1: a connection cut mid-transfer removes the temporary file and leaves the destination untouched' {
        $run = Invoke-HostileDownload -Scenario cut-connection -Force -Arrange {
            param($destination)
            New-Item -ItemType Directory (Join-Path $destination 'pub') | Out-Null
            Set-Content (Join-Path $destination 'pub/big.bin') 'the old big.bin'
        }
        Assert-Contained $run
        $run.ServerLog | Should -Match 'cutting the connection' -Because 'the transfer was under way when the server cut it'
        Get-ErrorId $run | Should -Contain 'Sentinel.FileCopyFailed'
        @($run.Results | Where-Object Source -EQ 'pub/big.bin').Action | Should -Be 'Failed'
        Get-Content (Join-Path $run.Destination 'pub/big.bin') | Should -Be 'the old big.bin'
    }

    It 'issue 20 item 1: a file whose attributes claim an enormous size copies what the server sends, without a hang' {
        $run = Invoke-HostileDownload -Scenario huge-size
        Assert-Contained $run
        $run.Errors | Should -BeNullOrEmpty
        Assert-GoodFilesCopied $run
        Get-Content -Raw (Join-Path $run.Destination 'pub/good.txt') | Should -Be "good file`n"
    }

    It 'issue 20 item 1: a READ reply longer than asked is a Sentinel.* failure per file, not an exception that ends the copy' {
        $run = Invoke-HostileDownload -Scenario long-read
        Assert-Contained $run
        @($run.Results).Count | Should -Be 2 -Because 'each file has its result'
        @($run.Results.Action | Sort-Object -Unique) | Should -Be 'Failed'
        Get-ErrorId $run | ForEach-Object { $_ | Should -BeIn 'Sentinel.FileCopyFailed', 'Sentinel.FileVerificationFailed' }
        @(Get-ChildItem -LiteralPath $run.Destination -Recurse -File -Force) | Should -BeNullOrEmpty
    }
}
