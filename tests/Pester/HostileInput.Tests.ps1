# What a hostile host prints and what a user's broken files hold must end in a Sentinel.* error for
# the host concerned, never a crash, a hang or a raw .NET exception, and never stop the other hosts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx -Replay @{ docker = (Join-Path $RepoRoot 'tests/fixtures/docker-hostile.sh') }
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Hostile output from a host' {
    It 'turns docker ps printing 100,000 nested [ into a Sentinel error, and the shell survives' {
        # In a child pwsh: before the depth limit the stack overflowed, which ends the process.
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + @'

$containers = Get-SentinelContainer -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue
"containers: $(@($containers).Count)"
"error: $($failure[0].FullyQualifiedErrorId) | $($failure[0].TargetObject) | $($failure[0].Exception.Message)"
'survived'
'@
        $output = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Should -Contain 'survived'
        $output | Should -Contain 'containers: 0'
        ($output | Where-Object { "$_" -like 'error: *' }) | Should -BeLike "error: Sentinel.ContainerCommandFailed,* | $($lab.ComputerName) | *nest more than 64 deep*"
        Get-Content (Join-Path $lab.ReplayRoot 'calls.log') | Should -Contain 'ps --all --no-trunc --format {{json .}}'
    }
}

Describe 'Broken files a user points Sentinel at' {
    It 'fails only the host whose ProxyJump in -ConfigFile is malformed; the others connect' {
        $config = Join-Path $TestDrive 'proxyjump.conf'
        Set-Content $config @"
Host badjump
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    ProxyJump bastion:notaport

Host good
    HostName $($lab.ComputerName)
    Port $($lab.Port)
"@
        $sessions = @(Connect-SentinelServer badjump, good -ConfigFile $config -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue)
        $sessions.ComputerName | Should -Be 'good'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.JumpHostInvalid,*'
        $failure[0].TargetObject | Should -Be 'badjump'
        $failure[0].Exception.Message | Should -BeLike "*'notaport' is not a port number*"
        $failure[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'fails each host with SshConfigInvalid when -ConfigFile is garbage, and connects nowhere' {
        $config = Join-Path $TestDrive 'garbage.conf'
        $bytes = [byte[]]::new(4096)
        [System.Random]::new(1104).NextBytes($bytes)
        [System.IO.File]::WriteAllBytes($config, [byte[]](@([byte][char]'H', [byte][char]'o', 0) + $bytes))
        $sessions = @(Connect-SentinelServer $lab.ComputerName, localhost -Port $lab.Port -ConfigFile $config -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue)
        $sessions | Should -BeNullOrEmpty
        $failure.Count | Should -Be 2
        $failure | ForEach-Object {
            $_.FullyQualifiedErrorId | Should -BeLike 'Sentinel.SshConfigInvalid,*'
            $_.Exception.Message | Should -BeLike "*$config*not a text file*"
            $_.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        $failure.TargetObject | Should -Be @($lab.ComputerName, 'localhost')
    }

    It 'fails with SshConfigInvalid when -ConfigFile is a folder or does not exist' {
        Connect-SentinelServer $lab.ComputerName -Port $lab.Port -ConfigFile $TestDrive -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SshConfigInvalid,*'
        $failure[0].Exception.Message | Should -BeLike '*is a folder*'
        Connect-SentinelServer $lab.ComputerName -Port $lab.Port -ConfigFile (Join-Path $TestDrive 'absent.conf') -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SshConfigInvalid,*'
        $failure[0].Exception.Message | Should -BeLike '*does not exist*'
    }

    # Root reads any file whatever its mode, so "unreadable" here is a folder, a pipe with no writer
    # (which would block a reader forever) and garbage.
    It 'fails only the host whose IdentityFile is <Kind>, with a key-file error naming it; the other host connects' -ForEach @(
        @{ Kind = 'a folder'; ErrorId = 'Sentinel.KeyFileUnreadable'; Make = { param($path) New-Item -ItemType Directory -Path $path | Out-Null } }
        @{ Kind = 'a pipe'; ErrorId = 'Sentinel.KeyFileInvalid'; Make = { param($path) & mkfifo $path } }
        @{ Kind = 'garbage'; ErrorId = 'Sentinel.KeyFileInvalid'; Make = { param($path) Set-Content $path "-----BEGIN RSA PRIVATE KEY-----`n!!not base64!!`n-----END RSA PRIVATE KEY-----" } }
    ) {
        $key = Join-Path $TestDrive "key-$([guid]::NewGuid().ToString('N'))"
        & $Make $key
        $config = Join-Path $TestDrive 'keys.conf'
        Set-Content $config @"
Host badkey goodkey
    HostName $($lab.ComputerName)
    Port $($lab.Port)
Host badkey
    IdentityFile $key
Host goodkey
    IdentityFile $($lab.KeyPath)
"@
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        $sessions = @(Connect-SentinelServer badkey, goodkey -ConfigFile $config -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue)
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'a pipe must not be read until a writer comes'
        $sessions.ComputerName | Should -Be 'goodkey'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $failure[0].TargetObject | Should -Be 'badkey'
        $failure[0].Exception.Message | Should -BeLike "*$key*"
        $failure[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $sessions | Disconnect-SentinelServer
    }
}
