# OpenSSH certificates against a real sshd: user certificates (TrustedUserCAKeys; the keys themselves
# are in no authorized_keys file, so only their certificates can log in) and a host certificate
# (HostCertificate) checked against @cert-authority lines in known_hosts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    $certDir = Join-Path $TestDrive 'certs'
    New-Item -ItemType Directory -Path $certDir | Out-Null
    function New-Key { param([string]$Name, [string]$Type = 'ed25519') & ssh-keygen -q -t $Type -N '' -C "cert-test-$Name" -f (Join-Path $certDir $Name); Join-Path $certDir $Name }
    function New-Certificate {
        # Signs <key>.pub with a CA; writes <key>-cert.pub (ssh-keygen's name) and returns its path.
        param([string]$Ca, [string]$Key, [string]$Id, [string]$Principals, [string]$Validity = '-5m:+1h', [switch]$HostCertificate)
        $arguments = @('-q', '-s', $Ca, '-I', $Id, '-n', $Principals, '-V', $Validity)
        if ($HostCertificate) { $arguments += '-h' }
        & ssh-keygen @arguments "$Key.pub"
        "$Key-cert.pub"
    }
    function Get-Fingerprint { param([string]$PublicKey) (& ssh-keygen -l -E sha256 -f $PublicKey).Split(' ')[1] }

    $ca = New-Key 'ca'
    $otherCa = New-Key 'other-ca'

    # The host certificate's path is fixed before sshd starts; the lab's host key is made by the lab,
    # so it is signed once the lab is up, and sshd restarted to load it.
    $hostCertificate = Join-Path $certDir 'host-cert.pub'
    $lab = Start-SentinelLab -NoNginx -ExtraConfig @("TrustedUserCAKeys $ca.pub", "HostCertificate $hostCertificate", 'PasswordAuthentication no')
    Move-Item (New-Certificate -Ca $ca -Key $lab.HostKeyPath -Id 'lab-host' -Principals $lab.ComputerName -Validity '-5m:+1d' -HostCertificate) $hostCertificate
    Restart-SentinelLab -Lab $lab
    $caFingerprint = Get-Fingerprint "$ca.pub"

    $savedHome = $env:HOME; $savedPass = $env:SSH_PASS; $savedSock = $env:SSH_AUTH_SOCK
    $env:SSH_PASS = $null; $env:SSH_AUTH_SOCK = $null
    $env:HOME = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Path $env:HOME | Out-Null

    $anyHost = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; HostKeyPolicy = 'AcceptNew'; ConnectTimeout = 5; ErrorAction = 'Stop' }
    function New-CaKnownHosts {
        param([string[]]$Lines)
        $path = New-TestKnownHostsFile
        Set-Content -Path $path -Value $Lines
        $path
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    $env:HOME = $savedHome; $env:SSH_PASS = $savedPass; $env:SSH_AUTH_SOCK = $savedSock
}

Describe 'user certificates' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'logs in with <Type> key whose certificate is beside it, and the session says which certificate' -ForEach @(
        @{ Type = 'ed25519' }, @{ Type = 'ecdsa' }, @{ Type = 'rsa' }
    ) {
        $key = New-Key "user-$Type" $Type
        New-Certificate -Ca $ca -Key $key -Id "alice-$Type" -Principals $lab.UserName | Out-Null
        $log = @(Get-Content $lab.LogPath).Count
        $session = Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -KeyFile $key
        (Invoke-SentinelCommand 'whoami' -Session $session).Output.Trim() | Should -Be $lab.UserName
        $session.AuthenticationMethod | Should -Be 'Key'
        $session.UserCertificateKeyId | Should -Be "alice-$Type"
        $session.UserCertificateValidBefore | Should -BeGreaterThan ([DateTime]::UtcNow)
        $session.UserKey | Should -BeLike "*-cert-v01@openssh.com *certificate 'alice-$Type'*"
        $lines = @(Get-Content $lab.LogPath | Select-Object -Skip $log)
        ($lines | Select-String 'Accepted publickey').Line | Should -BeLike "*ID alice-$Type*CA ED25519 $caFingerprint*"
    }

    It 'does not log in with the same key without its certificate (the key alone is not authorized)' {
        $key = New-Key 'bare'
        { Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -KeyFile $key } |
            Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*'
    }

    It 'uses the certificate -CertificateFile names, wherever it is' {
        $key = New-Key 'named'
        $certificate = Join-Path $certDir 'somewhere-else.pub'
        Move-Item (New-Certificate -Ca $ca -Key $key -Id 'named-id' -Principals $lab.UserName) $certificate
        $session = Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -KeyFile $key -CertificateFile $certificate
        $session.UserCertificateKeyId | Should -Be 'named-id'
    }

    It 'reads CertificateFile from ssh_config' {
        $key = New-Key 'configured'
        $certificate = Join-Path $certDir 'configured-elsewhere.pub'
        Move-Item (New-Certificate -Ca $ca -Key $key -Id 'configured-id' -Principals $lab.UserName) $certificate
        New-Item -ItemType Directory -Path (Join-Path $env:HOME '.ssh') -Force | Out-Null
        Set-Content -Path (Join-Path $env:HOME '.ssh/config') -Value "Host $($lab.ComputerName)`n  IdentityFile $key`n  CertificateFile $certificate`n"
        try {
            $warnings = $null
            $session = Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -WarningVariable warnings
            $session.UserCertificateKeyId | Should -Be 'configured-id'
            $warnings | Should -BeNullOrEmpty
        }
        finally { Remove-Item (Join-Path $env:HOME '.ssh/config') }
    }

    It 'refuses a <Case> certificate before connecting, saying its key id, window and now' -ForEach @(
        @{ Case = 'expired'; Validity = '20200101:20200201'; Problem = 'has expired'; Window = 'from 2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z' }
        @{ Case = 'not yet valid'; Validity = '20990101:21000101'; Problem = 'not yet valid'; Window = 'from 2099-01-01 00:00:00Z to 2100-01-01 00:00:00Z' }
    ) {
        $key = New-Key "dated-$($Case -replace ' ', '-')"
        New-Certificate -Ca $ca -Key $key -Id 'dated-id' -Principals $lab.UserName -Validity $Validity | Out-Null
        $log = @(Get-Content $lab.LogPath).Count
        $failure = { Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -KeyFile $key } | Should -Throw -ErrorId 'Sentinel.CertificateInvalid,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*'dated-id'*$Problem*$Window*now is $([DateTime]::UtcNow.ToString('yyyy-MM-dd'))*"
        # Nothing reached the server: no connection was made at all. sshd logs each connection as it
        # accepts it, so the absence is checked only once a connection of the test's own, made after
        # the failure (so accepted after any of Sentinel's), has its line in the log.
        $marker = [System.Net.Sockets.TcpClient]::new($lab.ComputerName, $lab.Port)
        try {
            $markerLine = "Connection from * port $($marker.Client.LocalEndPoint.Port) on *"
            Wait-Until { @(Get-Content $lab.LogPath | Select-Object -Skip $log) -like $markerLine } -TimeoutSeconds 30 | Should -BeTrue
        }
        finally { $marker.Dispose() }
        $connections = @(Get-Content $lab.LogPath | Select-Object -Skip $log | Where-Object { $_ -like 'Connection from *' })
        $connections | Should -HaveCount 1
        $connections[0] | Should -BeLike $markerLine
    }

    It 'is refused by the server for a certificate of another principal, and the error lists its principals' {
        $key = New-Key 'other-principal'
        New-Certificate -Ca $ca -Key $key -Id 'bob-id' -Principals 'bob,carol' | Out-Null
        $failure = { Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -KeyFile $key } | Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*certificate*'bob-id'*principals bob, carol*"
    }
}

Describe 'certificates held by the ssh-agent' {
    BeforeEach { $agentProcess = $null }
    AfterEach {
        Get-SentinelSession | Disconnect-SentinelServer
        if ($agentProcess -and -not $agentProcess.HasExited) { $agentProcess.Kill(); $agentProcess.WaitForExit(5000) | Out-Null }
        $env:SSH_AUTH_SOCK = $null
    }

    It 'offers a certificate the agent holds only while it is valid (<Case>)' -ForEach @(
        @{ Case = 'valid now'; Validity = '-5m:+1h'; Works = $true }
        @{ Case = 'expired'; Validity = '20200101:20200201'; Works = $false }
    ) {
        $key = New-Key "agent-$($Case -replace ' ', '-')"
        New-Certificate -Ca $ca -Key $key -Id 'agent-cert' -Principals $lab.UserName -Validity $Validity | Out-Null
        $socket = Join-Path $TestDrive "agent-$([guid]::NewGuid().ToString('N')).sock"
        $agentProcess = Start-Process -FilePath ssh-agent -ArgumentList @('-D', '-a', $socket) -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'agent.out')
        (Wait-Until { Test-Path $socket }) | Should -BeTrue
        $env:SSH_AUTH_SOCK = $socket
        & ssh-add -q $key 2>&1 | Out-Null   # adds the key and, beside it, its certificate
        (& ssh-add -l) -join "`n" | Should -BeLike '*CERT*'
        if ($Works) {
            $session = Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile)
            $session.AuthenticationMethod | Should -Be 'AgentKey'
            $session.UserCertificateKeyId | Should -Be 'agent-cert'
            # Naming the certificate of a key the agent holds is no error: the agent offers it.
            (Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) -CertificateFile "$key-cert.pub").UserCertificateKeyId | Should -Be 'agent-cert'
        }
        else {
            # The expired certificate is not offered (the error lists what was); the plain key alone is not authorized.
            $failure = { Connect-SentinelServer @anyHost -KnownHostsFile (New-TestKnownHostsFile) } | Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*' -PassThru
            $failure.Exception.Message | Should -BeLike '*agent ssh-ed25519 *'
            $failure.Exception.Message | Should -Not -BeLike '*cert-v01*'
        }
    }
}

Describe 'host certificates' {
    BeforeAll {
        # A key for logging in that the server accepts (a user certificate), so only the host side varies.
        $userKey = New-Key 'host-tests-user'
        New-Certificate -Ca $ca -Key $userKey -Id 'host-tests-user' -Principals $lab.UserName | Out-Null
        $strict = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; HostKeyPolicy = 'Strict'; ConnectTimeout = 5; ErrorAction = 'Stop'; KeyFile = $userKey }
        $labName = "[$($lab.ComputerName)]:$($lab.Port)"

        function Start-CertifiedLab {
            # A lab of its own whose only host key, of this type, has a certificate by the CA valid in this window.
            param([string]$Type, [string]$Validity)
            $certificate = Join-Path $certDir "host-$Type-$([guid]::NewGuid().ToString('N'))-cert.pub"
            $typed = Start-SentinelLab -NoNginx -HostKeyType $Type -ExtraConfig @("TrustedUserCAKeys $ca.pub", "HostCertificate $certificate")
            Move-Item (New-Certificate -Ca $ca -Key $typed.HostKeyPath -Id "lab-host-$Type" -Principals $typed.ComputerName -Validity $Validity -HostCertificate) $certificate
            Restart-SentinelLab -Lab $typed
            $typed
        }
    }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict with only a @cert-authority line (<Pattern>), and the session says CA and key id' -ForEach @(
        @{ Pattern = 'exact' }, @{ Pattern = 'wildcard' }, @{ Pattern = 'hashed' }
    ) {
        $hosts = switch ($Pattern) {
            'exact' { $labName }
            'wildcard' { '[127.0.0.*]:*,!10.*' }
            'hashed' {
                $plain = New-CaKnownHosts "$labName $(Get-Content "$ca.pub")"
                & ssh-keygen -q -H -f $plain 2>$null | Out-Null
                (Get-Content $plain | Where-Object { $_ -like '|1|*' }).Split(' ')[0]
            }
        }
        $knownHosts = New-CaKnownHosts "@cert-authority $hosts $(Get-Content "$ca.pub")"
        $session = Connect-SentinelServer @strict -KnownHostsFile $knownHosts
        $session.HostKeyAlgorithm | Should -BeLike '*-cert-v01@openssh.com'
        $session.HostKeyTrust | Should -BeLike "certificate 'lab-host'*$caFingerprint*line 1"
        # Trusted by the CA: nothing was added to known_hosts.
        @(Get-Content $knownHosts).Count | Should -Be 1
    }

    It 'connects under Strict with a @cert-authority line for the name without the port (<Pattern>), as ssh does' -ForEach @(
        @{ Pattern = '127.0.0.*' }, @{ Pattern = '127.0.0.1' }
    ) {
        # The lab is never on port 22: ssh falls back from [127.0.0.1]:port to the bare name for CA lines too.
        $lab.Port | Should -Not -Be 22
        $knownHosts = New-CaKnownHosts "@cert-authority $Pattern $(Get-Content "$ca.pub")"
        $session = Connect-SentinelServer @strict -KnownHostsFile $knownHosts
        $session.HostKeyAlgorithm | Should -BeLike '*-cert-v01@openssh.com'
        $session.HostKeyTrust | Should -BeLike "certificate 'lab-host'*$caFingerprint*line 1 ('$($lab.ComputerName)' without the port, as ssh falls back)"
        @(Get-Content $knownHosts).Count | Should -Be 1

        $output = & ssh -v -i $userKey -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes `
            -o UserKnownHostsFile=$knownHosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        ($output -join "`n") | Should -BeLike '*found matching key w/out port*'
    }

    It 'does not ask for the certificate when no @cert-authority line matches the host' {
        $knownHosts = New-TestKnownHostsFile
        $session = Connect-SentinelServer @strict -KnownHostsFile $knownHosts -HostKeyPolicy AcceptNew
        $session.HostKeyAlgorithm | Should -Not -BeLike '*-cert-v01@openssh.com'
        $session.HostKeyTrust | Should -BeLike 'new key*'
    }

    It 'refuses a host certificate signed by a CA known_hosts does not list, naming that CA' {
        $knownHosts = New-CaKnownHosts "@cert-authority $labName $(Get-Content "$otherCa.pub")"
        $failure = { Connect-SentinelServer @strict -KnownHostsFile $knownHosts } | Should -Throw -ErrorId 'Sentinel.HostKeyUnknown,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*'lab-host'*signed by CA ssh-ed25519 $caFingerprint*does not list*"
    }

    It 'refuses a host certificate whose CA is @revoked' {
        $knownHosts = New-CaKnownHosts "@cert-authority $labName $(Get-Content "$ca.pub")", "@revoked * $(Get-Content "$ca.pub")"
        $failure = { Connect-SentinelServer @strict -KnownHostsFile $knownHosts } | Should -Throw -ErrorId 'Sentinel.HostKeyRevoked,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*CA ssh-ed25519 $caFingerprint is marked @revoked*"
    }

    It 'connects to a host whose <Type> host key is certified' -ForEach @(@{ Type = 'ecdsa' }, @{ Type = 'rsa' }) {
        $typed = Start-CertifiedLab -Type $Type -Validity '-5m:+1d'
        try {
            $knownHosts = New-CaKnownHosts "@cert-authority * $(Get-Content "$ca.pub")"
            $session = Connect-SentinelServer @strict -Port $typed.Port -KnownHostsFile $knownHosts
            $session.HostKeyAlgorithm | Should -BeLike "$(if ($Type -eq 'rsa') { 'rsa-sha2-512' } else { 'ecdsa-sha2-nistp256' })-cert-v01@openssh.com"
            $session.HostKeyTrust | Should -BeLike "certificate 'lab-host-$Type'*$caFingerprint*"
        }
        finally { Stop-SentinelLab -Lab $typed }
    }

    It 'refuses an expired host certificate from a listed CA, saying its window' {
        $expired = Start-CertifiedLab -Type 'ed25519' -Validity '20200101:20200201'
        try {
            $knownHosts = New-CaKnownHosts "@cert-authority * $(Get-Content "$ca.pub")"
            $failure = { Connect-SentinelServer @strict -Port $expired.Port -KnownHostsFile $knownHosts } | Should -Throw -ErrorId 'Sentinel.CertificateInvalid,*' -PassThru
            $failure.Exception.Message | Should -BeLike "*'lab-host-ed25519'*expired: valid from 2020-01-01 00:00:00Z to 2020-02-01 00:00:00Z, now is*"
        }
        finally { Stop-SentinelLab -Lab $expired }
    }

    It 'refuses a host certificate whose principals do not include the name dialled' {
        $knownHosts = New-CaKnownHosts "@cert-authority * $(Get-Content "$ca.pub")"
        $failure = { Connect-SentinelServer @strict -ComputerName 'localhost' -KnownHostsFile $knownHosts } | Should -Throw -ErrorId 'Sentinel.CertificateInvalid,*' -PassThru
        $failure.Exception.Message | Should -BeLike "*principals ($($lab.ComputerName)) do not include 'localhost'*"
    }
}
