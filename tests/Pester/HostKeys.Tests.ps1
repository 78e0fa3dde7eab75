# Host keys of every type against real sshd instances: RSA, ECDSA and ed25519 hosts, each recorded
# by ssh-keyscan or by Sentinel, checked the way OpenSSH checks them (and cross-checked with ssh).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function Get-KeyScanLine {
        # The known_hosts line ssh-keyscan prints for one key type of the lab's sshd.
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$Type)
        $line = @(& ssh-keyscan -T 10 -t $Type -p $Lab.Port $Lab.ComputerName 2>$null)
        $line.Count | Should -Be 1 -Because "ssh-keyscan finds the $Type key"
        $line[0]
    }

    function New-KnownHostsFromScan {
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string[]]$Type)
        $path = New-TestKnownHostsFile
        [System.IO.File]::WriteAllLines($path, [string[]]@($Type | ForEach-Object { Get-KeyScanLine -Lab $Lab -Type $_ }))
        $path
    }

    function Connect-Lab {
        # Connects with the lab's key; returns the session (or nothing), the error and the verbose story.
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$KnownHostsFile, [Parameter(Mandatory)][string]$Policy)
        $failure = $null
        $streams = Connect-SentinelServer -ComputerName $Lab.ComputerName -Port $Lab.Port -KeyFile $Lab.KeyPath -KnownHostsFile $KnownHostsFile `
            -HostKeyPolicy $Policy -Verbose -ErrorVariable failure -ErrorAction SilentlyContinue 4>&1
        [pscustomobject]@{
            Session = @($streams | Where-Object { $_ -is [Sentinel.Results.SentinelSession] }) | Select-Object -First 1
            Error   = @($failure) | Select-Object -First 1
            Verbose = ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        }
    }

    function Get-FileHashText { param([string]$Path) (Get-FileHash -Algorithm SHA256 -Path $Path).Hash }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
}

Describe 'A host with only an <Type> host key' -ForEach @(
    @{ Type = 'rsa'; KeyType = 'ssh-rsa'; Algorithm = 'rsa-sha2-512' }
    @{ Type = 'ecdsa'; KeyType = 'ecdsa-sha2-nistp256'; Algorithm = 'ecdsa-sha2-nistp256' }
    @{ Type = 'ed25519'; KeyType = 'ssh-ed25519'; Algorithm = 'ssh-ed25519' }
) {
    BeforeAll { $lab = Start-SentinelLab -NoNginx -HostKeyType $Type }
    AfterAll { Stop-SentinelLab -Lab $lab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict with the key ssh-keyscan recorded' {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error | Should -BeNullOrEmpty
        $result.Session.State | Should -Be 'Open'
        $result.Session.HostKeyFingerprint | Should -Be (Get-HostKeyFingerprint "$($lab.HostKeyPath).pub")
        $result.Session.HostKeyAlgorithm | Should -Be $Algorithm
        $result.Verbose | Should -BeLike "*Host key $KeyType SHA256:*(host-key algorithm $Algorithm) matches '$knownHosts' line 1*"
    }

    It 'records a line of type <KeyType> under AcceptNew that ssh accepts with StrictHostKeyChecking=yes' {
        $knownHosts = New-TestKnownHostsFile
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy AcceptNew
        $result.Session.State | Should -Be 'Open'
        $line = @(Get-Content $knownHosts)
        $line.Count | Should -Be 1
        $line[0] | Should -BeExactly "[$($lab.ComputerName)]:$($lab.Port) $KeyType $((Get-Content "$($lab.HostKeyPath).pub").Split(' ')[1])"

        $output = & ssh -i $lab.KeyPath -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes `
            -o UserKnownHostsFile=$knownHosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "ssh accepts the recorded line: $output"
    }

    It 'refuses the replaced key under AcceptNew and Strict with both fingerprints, leaving known_hosts byte for byte' {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $old = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
        Restart-SentinelLab -Lab $lab -NewHostKey
        $new = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
        $new | Should -Not -Be $old
        $before = Get-FileHashText $knownHosts

        foreach ($policy in 'AcceptNew', 'Strict') {
            $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy $policy
            $result.Session | Should -BeNullOrEmpty
            $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
            $result.Error.CategoryInfo.Category | Should -Be 'SecurityError'
            $result.Error.Exception.Message | Should -BeLike "*offered $KeyType $new*expects $KeyType $old*"
            Get-FileHashText $knownHosts | Should -Be $before
        }
    }
}

Describe 'A host with ed25519, ECDSA and RSA keys' {
    BeforeAll { $lab = Start-SentinelLab -NoNginx -HostKeyType ed25519, ecdsa, rsa }
    AfterAll { Stop-SentinelLab -Lab $lab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict when known only by its <Type> key, and says it used that type' -ForEach @(
        @{ Type = 'ecdsa'; KeyType = 'ecdsa-sha2-nistp256'; Algorithm = 'ecdsa-sha2-nistp256' }
        @{ Type = 'rsa'; KeyType = 'ssh-rsa'; Algorithm = 'rsa-sha2-512' }
    ) {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error | Should -BeNullOrEmpty
        $result.Session.HostKeyAlgorithm | Should -Be $Algorithm
        $result.Session.HostKeyFingerprint | Should -Be (Get-HostKeyFingerprint "$($lab.HostKeyPaths[$Type]).pub")
        $result.Verbose | Should -BeLike "*Host-key algorithms offered: $Algorithm,*(types known for this host first: $KeyType)*"
        $result.Verbose | Should -BeLike "*Host key $KeyType SHA256:*matches*"
        $result.Verbose | Should -BeLike "*host key $Algorithm,*"
    }
}

Describe 'A host known only by a key type it no longer offers' {
    # As OpenSSH: a key of a type not known for a host that has known keys is a changed key, refused
    # under Strict and AcceptNew (ssh's yes and accept-new), naming what was known and what was offered.
    BeforeAll {
        $lab = Start-SentinelLab -NoNginx -HostKeyType ecdsa
        $retired = Join-Path $TestDrive 'retired_ed25519'
        & ssh-keygen -q -t ed25519 -N '' -C retired -f $retired
        $retiredFingerprint = Get-HostKeyFingerprint "$retired.pub"
        $offeredFingerprint = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
    }
    AfterAll { Stop-SentinelLab -Lab $lab }

    It 'is refused under <_> as a changed key, naming the known ed25519 key and line and the offered ECDSA key; known_hosts unchanged' -ForEach 'Strict', 'AcceptNew' {
        $knownHosts = New-TestKnownHostsFile
        $retiredKey = (Get-Content "$retired.pub").Split(' ')[0..1] -join ' '
        [System.IO.File]::WriteAllText($knownHosts, "# retired key`n[$($lab.ComputerName)]:$($lab.Port) $retiredKey`n")
        $before = Get-FileHashText $knownHosts

        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy $_
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
        $result.Error.CategoryInfo.Category | Should -Be 'SecurityError'
        $result.Error.Exception.Message | Should -BeLike "*offered ecdsa-sha2-nistp256 $offeredFingerprint*knows this host only by ssh-ed25519 $retiredFingerprint (line 2)*"
        $result.Error.ErrorDetails.RecommendedAction | Should -BeLike '*ssh-keyscan -t ecdsa-sha2-nistp256*'
        Get-FileHashText $knownHosts | Should -Be $before
    }

    It 'is refused by ssh itself as a changed key under StrictHostKeyChecking=<_>' -ForEach 'yes', 'accept-new' {
        # The rule Sentinel mirrors, checked against the real client.
        $knownHosts = New-TestKnownHostsFile
        $retiredKey = (Get-Content "$retired.pub").Split(' ')[0..1] -join ' '
        [System.IO.File]::WriteAllText($knownHosts, "[$($lab.ComputerName)]:$($lab.Port) $retiredKey`n")
        $output = & ssh -i $lab.KeyPath -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=$_ `
            -o UserKnownHostsFile=$knownHosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output -join "`n") | Should -BeLike '*REMOTE HOST IDENTIFICATION HAS CHANGED*Offending ED25519 key*'
        @(Get-Content $knownHosts).Count | Should -Be 1
    }
}

Describe 'An unreadable known_hosts file' {
    BeforeAll { $lab = Start-SentinelLab -NoNginx }
    AfterAll { Stop-SentinelLab -Lab $lab }

    It 'is a Sentinel.KnownHostsUnreadable error naming the host, not a .NET exception' {
        $folder = Join-Path $TestDrive 'known_hosts_folder'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $result = Connect-Lab -Lab $lab -KnownHostsFile $folder -Policy AcceptNew
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.KnownHostsUnreadable,*'
        $result.Error.TargetObject | Should -Be $lab.ComputerName
        $result.Error.Exception.Message | Should -BeLike "*$folder*"
    }
}
