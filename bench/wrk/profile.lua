-- wrk: profile decrypts, one user's payload (WXAUTH_BODY, as the simulator
-- minted it) with their token (WXAUTH_TOKEN).
wrk.method = "POST"
wrk.path = "/auth/profile"
wrk.body = os.getenv("WXAUTH_BODY")
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer " .. os.getenv("WXAUTH_TOKEN")
