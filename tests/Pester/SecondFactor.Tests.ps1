# Logins that ask for a one-time code (issue 22): an AsyncSSH server (tests/lab/second_factor_server.py)
# that asks 'Verification code:' by keyboard-interactive, alone or after a password it accepts as a
# partial success. Sentinel cannot answer a code: it must say so, name the prompt and the first step
# already passed, and never hand the password to the code prompt.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelHostileServer.psm1') -Force
    $servers = @{
        code                 = Start-SentinelSecondFactorServer -Scenario code
        'password-then-code' = Start-SentinelSecondFactorServer -Scenario password-then-code
    }
    function Get-Target([string]$Scenario) {
        $server = $servers[$Scenario]
        @{ ComputerName = $server.ComputerName; Port = $server.Port; Credential = $server.Credential; KnownHostsFile = $server.KnownHostsFile }
    }
    function Get-CodeAnswers([string]$Scenario) { @(Get-Content $servers[$Scenario].LogPath | Where-Object { $_ -like '*code answer:*' }) }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($server in @($servers.Values)) { Stop-SentinelHostileServer -Server $server }
}

Describe 'A login that asks for a one-time code' {
    It 'fails with Sentinel.AuthenticationPromptUnsupported naming the code prompt, and the password never answers it' {
        $target = Get-Target code
        { Connect-SentinelServer @target -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.AuthenticationPromptUnsupported,*'
        $Error[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $Error[0].TargetObject | Should -Be '127.0.0.1'
        $Error[0].Exception.Message | Should -BeLike "*'Verification code:'*"
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike '*key*one-time code*'
        Get-CodeAnswers code | Should -BeNullOrEmpty -Because 'Sentinel answers no prompt it cannot recognise as a password prompt'
    }

    It 'gives Test-SentinelConnection the prompt''s own hint, not the password hint' {
        $target = Get-Target code
        $result = Test-SentinelConnection @target
        $result.FailedStep.Step | Should -Be 'Authentication'
        $result.FailedStep.Detail | Should -BeLike "*'Verification code:'*"
        $result.FailedStep.Hint | Should -BeLike '*one-time code*'
        $result.FailedStep.Hint | Should -Not -BeLike '*user name and password*'
    }

    It 'after a password accepted as the first step, says so and names the code the server still wants' {
        $target = Get-Target password-then-code
        { Connect-SentinelServer @target -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.AuthenticationPromptUnsupported,*'
        $Error[0].Exception.Message | Should -BeLike "After accepting password as a first step*partial success*'Verification code:'*"
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike '*second factor*'
        @(Get-Content $servers['password-then-code'].LogPath | Where-Object { $_ -like '*password right*' }).Count | Should -BeGreaterThan 0
        Get-CodeAnswers password-then-code | Should -BeNullOrEmpty -Because 'the password is not a code'
    }
}
