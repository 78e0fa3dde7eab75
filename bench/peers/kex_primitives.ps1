<#
.SYNOPSIS
Times the key-exchange primitives a client computes per connection: sntrup761 (BouncyCastle's and
Sentinel's port), ML-KEM-768 (BouncyCastle), X25519 and ed25519 host-key signature verification.

.DESCRIPTION
Loads the module's own copies (dependencies/Core: Renci.SshNet.dll, BouncyCastle.Cryptography.dll,
Sentinel.Ssh.dll) in a fresh pwsh. Each primitive runs -WarmUp times untimed, then -Count times, each
call timed alone. Sentinel's sntrup761 is an internal type of Sentinel.Ssh.dll, reached here by
reflection (the adapter has no public surface). Prints ONE JSON line:
{"rows":[{"primitive":"sntrup761 keygen","implementation":"BouncyCastle 2.7.0","ms":<median>,"min":..,"max":..}, ...]}
#>
param(
    [Parameter(Mandatory)][string]$DependencyPath,
    [int]$Count = 25,
    [int]$WarmUp = 3
)
$ErrorActionPreference = 'Stop'
foreach ($name in 'BouncyCastle.Cryptography', 'Microsoft.Extensions.DependencyInjection.Abstractions', 'Microsoft.Extensions.Logging.Abstractions', 'Renci.SshNet') {
    Add-Type -Path (Join-Path $DependencyPath "$name.dll")
}
$adapter = [Reflection.Assembly]::LoadFrom((Join-Path $DependencyPath 'Sentinel.Ssh.dll'))
$sentinelKem = $adapter.GetType('Sentinel.Ssh.Sntrup761', $true)
$static = [Reflection.BindingFlags]'Public,NonPublic,Static'
$systemRandom = $sentinelKem.GetField('SystemRandom', $static).GetValue($null)
$keyPair = $sentinelKem.GetMethod('KeyPair', $static)
$encapsulate = $sentinelKem.GetMethod('Encapsulate', $static)
$decapsulate = $sentinelKem.GetMethod('Decapsulate', $static)

function Version-Of([type]$type, [string]$product) {
    $informational = $type.Assembly.GetCustomAttributes([Reflection.AssemblyInformationalVersionAttribute], $false) | Select-Object -First 1
    "$product $((($informational.InformationalVersion) -split '\+')[0])"
}
$bc = Version-Of ([Org.BouncyCastle.Security.SecureRandom]) 'BouncyCastle'
$sentinel = Version-Of $sentinelKem 'Sentinel'

$rows = [Collections.Generic.List[object]]::new()
function Measure-Primitive([string]$primitive, [string]$implementation, [scriptblock]$action) {
    for ($i = 0; $i -lt $WarmUp; $i++) { $null = & $action }
    $times = for ($i = 0; $i -lt $Count; $i++) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = & $action
        $watch.Elapsed.TotalMilliseconds
    }
    $sorted = @($times | Sort-Object)
    $rows.Add([ordered]@{ primitive = $primitive; implementation = $implementation; ms = [math]::Round($sorted[[int][math]::Floor(($sorted.Count - 1) / 2)], 3); min = [math]::Round($sorted[0], 3); max = [math]::Round($sorted[-1], 3) })
}

$random = [Org.BouncyCastle.Security.SecureRandom]::new()

# sntrup761, BouncyCastle (what SSH.NET's own sntrup761x25519-sha512 uses)
$generator = [Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeKeyPairGenerator]::new()
$generator.Init([Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeKeyGenerationParameters]::new($random, [Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeParameters]::sntrup761))
$pair = $generator.GenerateKeyPair()
$encapsulated = [Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeKemGenerator]::new($random).GenerateEncapsulated($pair.Public)
$ciphertext = $encapsulated.GetEncapsulation()
Measure-Primitive 'sntrup761 keygen' $bc { $generator.GenerateKeyPair() }
Measure-Primitive 'sntrup761 encaps' $bc { [Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeKemGenerator]::new($random).GenerateEncapsulated($pair.Public) }
Measure-Primitive 'sntrup761 decaps' $bc { [Org.BouncyCastle.Pqc.Crypto.NtruPrime.SNtruPrimeKemExtractor]::new($pair.Private).ExtractSecret($ciphertext) }

# sntrup761, Sentinel's port (what Sentinel's sntrup761x25519-sha512 uses)
$publicKey = [byte[]]::new(1158); $secretKey = [byte[]]::new(1763); $sentinelCiphertext = [byte[]]::new(1039); $key = [byte[]]::new(32)
$null = $keyPair.Invoke($null, @($publicKey, $secretKey, $systemRandom, $false))
$null = $encapsulate.Invoke($null, @($sentinelCiphertext, $key, $publicKey, $systemRandom, $false))
Measure-Primitive 'sntrup761 keygen' $sentinel { $keyPair.Invoke($null, @($publicKey, $secretKey, $systemRandom, $false)) }
Measure-Primitive 'sntrup761 encaps' $sentinel { $encapsulate.Invoke($null, @($sentinelCiphertext, $key, $publicKey, $systemRandom, $false)) }
Measure-Primitive 'sntrup761 decaps' $sentinel { $decapsulate.Invoke($null, @($key, $sentinelCiphertext, $secretKey, $false)) }

# ML-KEM-768, BouncyCastle (SSH.NET's mlkem768x25519-sha256)
$mlkemGenerator = [Org.BouncyCastle.Crypto.Generators.MLKemKeyPairGenerator]::new()
$mlkemGenerator.Init([Org.BouncyCastle.Crypto.Parameters.MLKemKeyGenerationParameters]::new($random, [Org.BouncyCastle.Crypto.Parameters.MLKemParameters]::ml_kem_768))
$mlkemPair = $mlkemGenerator.GenerateKeyPair()
$mlkemEncapsulator = [Org.BouncyCastle.Crypto.Kems.MLKemEncapsulator]::new([Org.BouncyCastle.Crypto.Parameters.MLKemParameters]::ml_kem_768)
$mlkemEncapsulator.Init([Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom]::new($mlkemPair.Public, $random))
$mlkemCiphertext = [byte[]]::new($mlkemEncapsulator.EncapsulationLength); $mlkemSecret = [byte[]]::new($mlkemEncapsulator.SecretLength)
$mlkemEncapsulator.Encapsulate($mlkemCiphertext, 0, $mlkemCiphertext.Length, $mlkemSecret, 0, $mlkemSecret.Length)
Measure-Primitive 'mlkem768 keygen' $bc { $mlkemGenerator.GenerateKeyPair() }
Measure-Primitive 'mlkem768 decaps' $bc {
    $decapsulator = [Org.BouncyCastle.Crypto.Kems.MLKemDecapsulator]::new([Org.BouncyCastle.Crypto.Parameters.MLKemParameters]::ml_kem_768)
    $decapsulator.Init($mlkemPair.Private)
    $decapsulator.Decapsulate($mlkemCiphertext, 0, $mlkemCiphertext.Length, $mlkemSecret, 0, $mlkemSecret.Length)
}

# X25519 (the classical half of every hybrid, and curve25519-sha256 alone)
$x25519Private = [byte[]]::new(32); $x25519Public = [byte[]]::new(32); $peerPublic = [byte[]]::new(32); $shared = [byte[]]::new(32)
[Org.BouncyCastle.Math.EC.Rfc7748.X25519]::GeneratePrivateKey($random, $x25519Private)
[Org.BouncyCastle.Math.EC.Rfc7748.X25519]::GeneratePublicKey($x25519Private, 0, $peerPublic, 0)
Measure-Primitive 'x25519 keygen+agreement' $bc {
    [Org.BouncyCastle.Math.EC.Rfc7748.X25519]::GeneratePrivateKey($random, $x25519Private)
    [Org.BouncyCastle.Math.EC.Rfc7748.X25519]::GeneratePublicKey($x25519Private, 0, $x25519Public, 0)
    [Org.BouncyCastle.Math.EC.Rfc7748.X25519]::CalculateAgreement($x25519Private, 0, $peerPublic, 0, $shared, 0)
}

# ed25519 host-key signature over a 64-byte exchange hash (SSH.NET verifies with BouncyCastle's Ed25519)
$hostPrivate = [byte[]]::new(32); $hostPublic = [byte[]]::new(32); $exchangeHash = [byte[]]::new(64); $signature = [byte[]]::new(64)
$random.NextBytes($hostPrivate); $random.NextBytes($exchangeHash)
[Org.BouncyCastle.Math.EC.Rfc8032.Ed25519]::GeneratePublicKey($hostPrivate, 0, $hostPublic, 0)
[Org.BouncyCastle.Math.EC.Rfc8032.Ed25519]::Sign($hostPrivate, 0, $exchangeHash, 0, $exchangeHash.Length, $signature, 0)
Measure-Primitive 'ed25519 verify' $bc {
    if (-not [Org.BouncyCastle.Math.EC.Rfc8032.Ed25519]::Verify($signature, 0, $hostPublic, 0, $exchangeHash, 0, $exchangeHash.Length)) { throw 'ed25519 signature did not verify' }
}

[ordered]@{ rows = $rows } | ConvertTo-Json -Compress -Depth 4
